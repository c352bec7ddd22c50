import {
  type AckMessage,
  type Batch,
  batchHeader,
  batchSignatureValid,
  type Clock,
  ColdtrailError,
  ErrorCode,
  isColdtrailError,
  MAX_ACK_REFUSALS,
  parseBatch,
  systemClock,
  verifyBatchHashes,
} from '@coldtrail/core';
import type { DeviceDirectory, IngestOutcome, IngestPort } from './ingest-port.js';
import { type Log, stderrLog } from './log.js';
import type { DeviceHead, ReadingStore, StoredBatch, StoredRecord } from './reading-store.js';

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
 * How often one batch is classified against a fresh head after `appendBatch` answered CONFLICT (another
 * writer moved the head). Every conflict follows a write that moved the head, so rounds run out only under
 * a flood of writers; then the ingest rejects (no PUBACK, the device resends), which is always safe.
 */
const MAX_ROUNDS = 32;

/**
 * The ingest behind the broker's hook (DESIGN §2.6). Per batch: parse, check the publisher is the batch's
 * device and is registered to the topic's org, drop duplicates by (device, seq), stop at gaps, verify the
 * chain and signature against the stored head, store durably, and answer with the ack to publish.
 * Anything that fails verification is refused: logged, listed in the ack, never stored as valid. A failure of
 * storage or of the ledger lookup rejects instead, so the broker sends no PUBACK and the device resends.
 *
 * Per-device order is a compare-and-swap on the store's head, not a lock held here: the batch is classified
 * against the head it read (duplicate, overlap, gap, next), and `appendBatch` stores it only if the head is
 * still that one, atomically in the store (for SQLite, across processes). When the head moved the store
 * answers CONFLICT and the batch is classified again against the new head, so two ingests (two processes, or
 * concurrent calls here) on one store never store a record twice, never leave a hole and never refuse a
 * batch another writer just stored. Refusals rest only on records already stored, which never change, so they
 * need no such check. A batch that looks like a gap while batches of the same device that arrived before it
 * are still being handled here waits for those and is classified once more: batches arriving together are
 * stored in arrival order instead of bouncing as gaps. Nothing else waits: duplicates and refusals of one
 * device, and every other device, go straight through.
 */
export function createIngest(options: IngestOptions): IngestPort {
  const { store, directory, onStored } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? stderrLog;
  /** Calls in flight per device (see above: a gap waits for the ones that arrived before it). */
  const inflight = new Map<string, Set<Promise<unknown>>>();

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

  const handle = async (
    org: string,
    device: string,
    payload: Uint8Array,
    arrivedBefore: readonly Promise<unknown>[],
  ): Promise<IngestOutcome> => {
    let earlier = arrivedBefore;
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
    for (let round = 1; ; round++) {
      const head = await store.head(device);
      const step = await classify(batch, identity.publicKey, head);
      if (step.kind === 'answer') return step.outcome;
      if (step.kind === 'gap') {
        if (earlier.length > 0) {
          await Promise.allSettled(earlier);
          earlier = [];
          continue;
        }
        return { status: 'gap', reason: step.reason, ack: await ackFor(device) };
      }
      try {
        const newHead = await store.appendBatch(step.header, step.fresh);
        log.info('batch stored', {
          device,
          fromSeq: batch.fromSeq,
          toSeq: batch.toSeq,
          storedUpTo: newHead.seq,
        });
        onStored?.(device, newHead);
        return { status: 'stored', ack: await ackFor(device) };
      } catch (err) {
        // CONFLICT: another writer moved the head between our read and the write; nothing of ours was stored.
        if (!isColdtrailError(err, ErrorCode.Conflict)) throw err;
        if (round >= MAX_ROUNDS) {
          throw new ColdtrailError(
            ErrorCode.Unavailable,
            `the head of ${device} kept moving while batch #${batch.fromSeq}-${batch.toSeq} was stored (${round} tries): the device resends it`,
            { cause: err },
          );
        }
        log.info('head moved, classifying again', {
          device,
          fromSeq: batch.fromSeq,
          toSeq: batch.toSeq,
          round,
        });
      }
    }
  };

  /** What `batch` is against `head`: answered now (duplicate, refused), a gap, or the fresh records to append. */
  const classify = async (batch: Batch, publicKey: string, head: DeviceHead): Promise<Step> => {
    const device = batch.device;
    // The batch's own range, once its header signature verifies with the device key (bounded by the head:
    // a batch starting beyond head + 1 is a gap, answered below, never a refusal).
    const range = signedRange(batch, publicKey, head.seq);
    if (batch.toSeq <= head.seq) {
      const [stored] = await store.recordHashes(device, batch.toSeq, batch.toSeq);
      if (stored?.hash === batch.head) return answer({ status: 'duplicate', ack: await ackFor(device) });
      if (!range) return answer(await refuse(device, null, unsigned(batch)));
      const msg = `#${batch.toSeq} of ${device} is already stored with a different hash: the device's chain forked (was its outbox reset?)`;
      return answer(await refuse(device, range, new ColdtrailError(ErrorCode.Conflict, msg)));
    }
    if (batch.fromSeq > head.seq + 1) {
      const reason = `batch starts at #${batch.fromSeq} but ${device} is stored up to #${head.seq}: resend from #${head.seq + 1}`;
      return { kind: 'gap', reason };
    }
    const overlap = batch.fromSeq <= head.seq;
    let hashes: string[];
    try {
      ({ hashes } = verifyBatchHashes(batch, publicKey, overlap ? {} : { expectedPrev: head.hash }));
    } catch (err) {
      return answer(await refuse(device, range, range ? err : unsigned(batch)));
    }
    if (overlap) {
      // Only the new tail is stored; the part already held must be the very same records.
      const stored = await store.recordHashes(device, batch.fromSeq, head.seq);
      const differs = stored.find((s, i) => s.seq !== batch.fromSeq + i || s.hash !== hashes[i]);
      if (differs || stored.length !== head.seq - batch.fromSeq + 1) {
        const msg = `batch ${device}#${batch.fromSeq}-${batch.toSeq} overlaps stored records that differ (first at #${differs?.seq ?? batch.fromSeq}): the device's chain forked`;
        return answer(await refuse(device, range, new ColdtrailError(ErrorCode.Conflict, msg)));
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
    return {
      kind: 'append',
      header: { device: d, fromSeq, toSeq, prev: first.prev, head: batchHead, sig, receivedAt },
      fresh,
    };
  };

  return {
    ingest(org, device, payload) {
      const calls = inflight.get(device) ?? new Set();
      inflight.set(device, calls);
      const call = handle(org, device, payload, [...calls]);
      calls.add(call);
      const done = () => {
        calls.delete(call);
        if (calls.size === 0) inflight.delete(device);
      };
      call.then(done, done);
      return call;
    },
  };
}

type Step =
  | { kind: 'answer'; outcome: IngestOutcome }
  | { kind: 'gap'; reason: string }
  | { kind: 'append'; header: StoredBatch; fresh: StoredRecord[] };

const answer = (outcome: IngestOutcome): Step => ({ kind: 'answer', outcome });

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
  const ok = batchSignatureValid(batchHeader({ ...batch, prev: first.prev }), batch.sig, publicKey);
  return ok ? { fromSeq: batch.fromSeq, toSeq: batch.toSeq } : null;
}

function unsigned(batch: Batch): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.BadSignature,
    `signature of batch ${batch.device}#${batch.fromSeq}-${batch.toSeq} does not verify with the registered key`,
  );
}
