/**
 * Chaincode event listening that survives restarts: the stream resumes from a checkpoint file, and the
 * checkpoint advances only after `onEvent` resolved for an event, so a crash or a stop between the two
 * delivers that event again on the next start (at least once), and every event before it never again (no
 * repeats). With an `onEvent` that is itself durable before it resolves, that is each event exactly once.
 * Resuming uses the Gateway's own position: the checkpoint's block, after the checkpointed transaction (the
 * ChaincodeEventsRequest's `after_transaction_id`), and the contract emits one event per transaction.
 */
import type { ChaincodeEvent, Network } from '@hyperledger/fabric-gateway';
import { fabricError } from './fabric-errors.js';
import { openFileCheckpointer } from './file-checkpointer.js';

export type { ChaincodeEvent } from '@hyperledger/fabric-gateway';

export interface ChaincodeEventsOptions {
  /** Holds the position reached; created on the first event. Its directory must exist. */
  checkpointFile: string;
  /** Handles one event; the checkpoint moves past it once this resolves. A rejection stops the listener. */
  onEvent(event: ChaincodeEvent): Promise<void> | void;
  /** Where to begin when there is no checkpoint yet; default block 0 (every event the channel holds). */
  startBlock?: bigint;
}

export interface ChaincodeEventListener {
  /** Settles when the listener stops: resolves after close(), rejects when onEvent or the stream failed. */
  done: Promise<void>;
  /** Stops reading; an event being handled is finished (and checkpointed) first. Idempotent. */
  close(): Promise<void>;
}

export async function listenChaincodeEvents(
  options: ChaincodeEventsOptions & { network: Network; chaincode: string },
): Promise<ChaincodeEventListener> {
  const checkpoint = openFileCheckpointer(options.checkpointFile);
  let events: Awaited<ReturnType<Network['getChaincodeEvents']>>;
  try {
    events = await options.network.getChaincodeEvents(options.chaincode, {
      checkpoint,
      startBlock: options.startBlock ?? 0n,
    });
  } catch (err) {
    throw fabricError('ChaincodeEvents', err, 'evaluate');
  }
  let closing = false;
  /** A failure of onEvent or of the checkpoint write: the caller's, passed on as it is. */
  let handlerFailure: { err: unknown } | undefined;
  const done = (async () => {
    try {
      for await (const event of events) {
        try {
          await options.onEvent(event);
          await checkpoint.checkpointChaincodeEvent(event);
        } catch (err) {
          handlerFailure = { err };
          throw err;
        }
        if (closing) return;
      }
    } catch (err) {
      if (handlerFailure) throw handlerFailure.err;
      // close() cancels the stream: the CANCELLED it ends with is the stop asked for.
      if (closing) return;
      throw fabricError('ChaincodeEvents', err, 'evaluate');
    } finally {
      events.close();
    }
  })();
  done.catch(() => undefined);
  return {
    done,
    async close() {
      closing = true;
      events.close();
      await done.catch(() => undefined);
    },
  };
}
