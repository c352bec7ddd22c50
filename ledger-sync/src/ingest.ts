import {
  type AckMessage,
  type Batch,
  type Clock,
  ColdtrailError,
  ErrorCode,
  hashRecord,
  MAX_ACK_REFUSALS,
  MAX_BATCH_BYTES,
  parseBatch,
  systemClock,
  verifyBatch,
} from '@coldtrail/core';
import type { DeviceDirectory, IngestOutcome, IngestPort } from './ingest-port.js';
import { KeyedQueue } from './keyed-queue.js';
import { type Log, stderrLog } from './log.js';
import type { DeviceHead, ReadingStore } from './reading-store.js';

export interface IngestOptions {
  store: ReadingStore;
  directory: DeviceDirectory;
  clock?: Clock;
  log?: Log;
  /** Called after a batch is durably stored (anchoring listens here). Must not throw or block. */
  onStored?: (device: string, head: DeviceHead) => void;
}

/** Longest refusal reason kept: reasons may quote hostile input. */
const MAX_REASON = 300;

/**
 * The ingest behind the broker's hook (DESIGN §2.6). Per batch: parse, check the publisher is the batch's
 * device and is registered to the topic's org, drop duplicates by (device, seq), stop at gaps, verify the
 * chain and signature against the stored head, store durably, and answer with the ack to publish.
 * Anything that fails verification is refused: logged, listed in the ack, never stored as valid. A failure of
 * storage or of the ledger lookup rejects instead, so the broker sends no PUBACK and the device resends.
 * Batches of one device are handled one at a time, in arrival order.
 */
export function createIngest(options: IngestOptions): IngestPort {
  const { store, directory, onStored } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? stderrLog;
  const queue = new KeyedQueue();

  const ackFor = async (device: string): Promise<AckMessage> => {
    const head = await store.head(device);
    return {
      v: 1,
      device,
      storedUpTo: head.seq,
      storedHead: head.hash,
      refused: await store.refusals(device, MAX_ACK_REFUSALS),
    };
  };

  const refuse = async (
    device: string,
    range: { fromSeq: number; toSeq: number },
    err: unknown,
  ): Promise<IngestOutcome> => {
    const code = err instanceof ColdtrailError ? err.code : ErrorCode.InvalidInput;
    const message = err instanceof Error ? err.message : String(err);
    const reason = message.length > MAX_REASON ? `${message.slice(0, MAX_REASON)}…` : message;
    const at = new Date(clock.now()).toISOString();
    await store.logRefusal({ device, ...range, code, reason, at });
    log.warn('batch refused', { device, ...range, code, reason });
    return { status: 'refused', code, reason, ack: await ackFor(device) };
  };

  const handle = async (org: string, device: string, payload: Uint8Array): Promise<IngestOutcome> => {
    let batch: Batch;
    try {
      batch = parseBatch(payload);
    } catch (err) {
      return refuse(device, rangeOf(payload), err);
    }
    const range = { fromSeq: batch.fromSeq, toSeq: batch.toSeq };
    if (batch.device !== device) {
      const msg = `batch of device ${batch.device} was published by ${device}; a device publishes only its own readings`;
      return refuse(device, range, new ColdtrailError(ErrorCode.Forbidden, msg));
    }
    // A lookup that throws (ledger unreachable) rejects: no PUBACK, the device resends later.
    const identity = await directory.lookup(device);
    if (!identity) {
      const msg = `device ${device} is not registered on the ledger: register its public key first`;
      return refuse(device, range, new ColdtrailError(ErrorCode.NotFound, msg));
    }
    if (identity.org !== org) {
      const msg = `device ${device} belongs to ${identity.org}, not ${org}: publish under its own org's topic`;
      return refuse(device, range, new ColdtrailError(ErrorCode.Forbidden, msg));
    }
    const head = await store.head(device);
    if (batch.toSeq <= head.seq) {
      const [stored] = await store.recordHashes(device, batch.toSeq, batch.toSeq);
      if (stored?.hash === batch.head) return { status: 'duplicate', ack: await ackFor(device) };
      const msg = `#${batch.toSeq} of ${device} is already stored with a different hash: the device's chain forked (was its outbox reset?)`;
      return refuse(device, range, new ColdtrailError(ErrorCode.Conflict, msg));
    }
    if (batch.fromSeq > head.seq + 1) {
      const reason = `batch starts at #${batch.fromSeq} but ${device} is stored up to #${head.seq}: resend from #${head.seq + 1}`;
      return { status: 'gap', reason, ack: await ackFor(device) };
    }
    const overlap = batch.fromSeq <= head.seq;
    try {
      verifyBatch(batch, identity.publicKey, overlap ? {} : { expectedPrev: head.hash });
    } catch (err) {
      return refuse(device, range, err);
    }
    const hashes = batch.records.map(hashRecord);
    if (overlap) {
      // Only the new tail is stored; the part already held must be the very same records.
      const stored = await store.recordHashes(device, batch.fromSeq, head.seq);
      const differs = stored.find((s, i) => s.seq !== batch.fromSeq + i || s.hash !== hashes[i]);
      if (differs || stored.length !== head.seq - batch.fromSeq + 1) {
        const msg = `batch ${device}#${batch.fromSeq}-${batch.toSeq} overlaps stored records that differ (first at #${differs?.seq ?? batch.fromSeq}): the device's chain forked`;
        return refuse(device, range, new ColdtrailError(ErrorCode.Conflict, msg));
      }
    }
    const skip = head.seq - batch.fromSeq + 1;
    const fresh = batch.records.slice(Math.max(0, skip)).map((record, i) => ({
      record,
      hash: hashes[i + Math.max(0, skip)] as string,
    }));
    const first = batch.records[0];
    if (!first) throw new ColdtrailError(ErrorCode.InvalidInput, 'batch has no records');
    const receivedAt = new Date(clock.now()).toISOString();
    const { device: d, fromSeq, toSeq, head: batchHead, sig } = batch;
    const newHead = await store.appendBatch(
      { device: d, fromSeq, toSeq, prev: first.prev, head: batchHead, sig, receivedAt },
      fresh,
    );
    log.info('batch stored', { device, fromSeq, toSeq, storedUpTo: newHead.seq });
    onStored?.(device, newHead);
    return { status: 'stored', ack: await ackFor(device) };
  };

  return {
    ingest: (org, device, payload) => queue.run(device, () => handle(org, device, payload)),
  };
}

/** Best-effort range of a payload that failed to parse, so the device can match the refusal (0-0 if none). */
function rangeOf(payload: Uint8Array): { fromSeq: number; toSeq: number } {
  const none = { fromSeq: 0, toSeq: 0 };
  if (payload.byteLength > MAX_BATCH_BYTES) return none;
  try {
    const v = JSON.parse(new TextDecoder().decode(payload)) as { fromSeq?: unknown; toSeq?: unknown };
    const ok = Number.isSafeInteger(v?.fromSeq) && Number.isSafeInteger(v?.toSeq);
    return ok ? { fromSeq: v.fromSeq as number, toSeq: v.toSeq as number } : none;
  } catch {
    return none;
  }
}
