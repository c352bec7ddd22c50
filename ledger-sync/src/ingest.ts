import {
  type AckMessage,
  type Batch,
  batchHeader,
  type Clock,
  ColdtrailError,
  canonicalBytes,
  ErrorCode,
  hashRecord,
  hexToBytes,
  MAX_ACK_REFUSALS,
  parseBatch,
  parsePublicKey,
  systemClock,
  verifyBatch,
  verifyEd25519,
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

  /**
   * Logs a refusal and answers with an ack that lists it. The range the device will mark refused is named
   * only when the device itself signed it (`range`); anything else (junk, a forged or broken signature, a
   * batch of another device) is refused as 0-0, which names no record: an unsigned payload must not get an
   * agent to mark its real batches refused, nor leave a range up to 2^53 in every later ack.
   */
  const refuse = async (
    device: string,
    range: { fromSeq: number; toSeq: number } | null,
    err: unknown,
  ): Promise<IngestOutcome> => {
    const code = err instanceof ColdtrailError ? err.code : ErrorCode.InvalidInput;
    const message = err instanceof Error ? err.message : String(err);
    const reason = message.length > MAX_REASON ? `${message.slice(0, MAX_REASON)}…` : message;
    const at = new Date(clock.now()).toISOString();
    const named = range ?? NO_RANGE;
    await store.logRefusal({ device, ...named, code, reason, at });
    log.warn('batch refused', { device, ...named, code, reason });
    return { status: 'refused', code, reason, ack: await ackFor(device) };
  };

  const handle = async (org: string, device: string, payload: Uint8Array): Promise<IngestOutcome> => {
    let batch: Batch;
    try {
      batch = parseBatch(payload);
    } catch (err) {
      return refuse(device, null, err);
    }
    if (batch.device !== device) {
      const msg = `batch of device ${batch.device} was published by ${device}; a device publishes only its own readings`;
      return refuse(device, null, new ColdtrailError(ErrorCode.Forbidden, msg));
    }
    // A lookup that throws (ledger unreachable) rejects: no PUBACK, the device resends later.
    const identity = await directory.lookup(device);
    if (!identity) {
      const msg = `device ${device} is not registered on the ledger: register its public key first`;
      return refuse(device, null, new ColdtrailError(ErrorCode.NotFound, msg));
    }
    if (identity.org !== org) {
      const msg = `device ${device} belongs to ${identity.org}, not ${org}: publish under its own org's topic`;
      return refuse(device, null, new ColdtrailError(ErrorCode.Forbidden, msg));
    }
    const head = await store.head(device);
    // The batch's own range, once its header signature verifies with the device key (bounded by the head:
    // a batch starting beyond head + 1 is a gap, answered below, never a refusal).
    const range = signedRange(batch, identity.publicKey, head.seq);
    if (batch.toSeq <= head.seq) {
      const [stored] = await store.recordHashes(device, batch.toSeq, batch.toSeq);
      if (stored?.hash === batch.head) return { status: 'duplicate', ack: await ackFor(device) };
      if (!range) return refuse(device, null, unsigned(batch));
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
      return refuse(device, range, range ? err : unsigned(batch));
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

/** A refusal that names no record (see `refuse`). */
const NO_RANGE = { fromSeq: 0, toSeq: 0 };

/** The batch's range if the device signed its header (cheap: one signature, no chain walk), else null. */
function signedRange(
  batch: Batch,
  publicKey: string,
  headSeq: number,
): { fromSeq: number; toSeq: number } | null {
  const first = batch.records[0];
  if (!first || batch.fromSeq < 1 || batch.fromSeq > headSeq + 1) return null;
  try {
    const header = batchHeader({ ...batch, prev: first.prev });
    const ok = verifyEd25519(parsePublicKey(publicKey), canonicalBytes(header), hexToBytes(batch.sig));
    return ok ? { fromSeq: batch.fromSeq, toSeq: batch.toSeq } : null;
  } catch {
    return null;
  }
}

function unsigned(batch: Batch): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.BadSignature,
    `batch ${batch.device}#${batch.fromSeq}-${batch.toSeq} is not signed with the registered key`,
  );
}
