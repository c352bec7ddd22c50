/**
 * A Fabric network's chaincode events through its gateway peer (FabricLedger.events(), fabric-events.ts),
 * with the same checkpoint file as the embedded source. The gateway's ChaincodeEvents is a stream with no
 * end and tells nothing of the channel's height, so this source only follows: a read without `follow` is
 * refused rather than guessing where the tip is. Without a checkpoint file of the caller's, the stream's
 * own position is kept in a temporary file removed after the read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { loadFabricConnection } from './fabric/fabric-config.js';
import { openFabricLedger } from './fabric/fabric-ledger.js';
import {
  type EventSourceDeps,
  type LedgerEventSource,
  openEventCheckpoint,
  type ReadEventsOptions,
} from './ledger-events.js';

export function openFabricEventSource(connectionFile: string, deps: EventSourceDeps = {}): LedgerEventSource {
  const ledger = openFabricLedger(
    loadFabricConnection(connectionFile, deps.env === undefined ? {} : { env: deps.env }),
  );
  return {
    async read(options: ReadEventsOptions) {
      if (!options.follow) {
        throw new ColdtrailError(
          ErrorCode.InvalidInput,
          "a Fabric gateway's event stream has no end to stop at: pass --follow (and stop it with Ctrl-C), with --checkpoint to resume later",
        );
      }
      if (options.signal?.aborted) return;
      let temp: string | undefined;
      let checkpointFile = options.checkpointFile;
      if (checkpointFile === undefined) {
        temp = mkdtempSync(join(tmpdir(), 'coldtrail-events-'));
        checkpointFile = join(temp, 'checkpoint');
      } else {
        openEventCheckpoint(checkpointFile); // refuses a file that is no checkpoint, as INVALID_INPUT
      }
      try {
        const listener = await ledger.events({
          checkpointFile,
          startBlock: BigInt(options.fromBlock ?? 0),
          onEvent: async (e) => {
            if (options.name !== undefined && e.eventName !== options.name) return;
            await options.onEvent({
              blockNumber: Number(e.blockNumber),
              txId: e.transactionId,
              name: e.eventName,
              payload: e.payload,
            });
          },
        });
        const stop = () => void listener.close();
        options.signal?.addEventListener('abort', stop, { once: true });
        if (options.signal?.aborted) stop();
        try {
          await listener.done;
        } finally {
          options.signal?.removeEventListener('abort', stop);
        }
      } finally {
        if (temp) rmSync(temp, { recursive: true, force: true });
      }
    },
    close: () => ledger.close(),
  };
}
