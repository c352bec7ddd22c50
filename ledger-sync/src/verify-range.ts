import type { ShipmentEntry } from './ledger-types.js';
import type { ReadingStore, StoredRecord } from './reading-store.js';
import { checkResult, type VerificationCheck } from './verification.js';
import type { SeqRange } from './verify-readings.js';

/**
 * How far a device's clock and the ledger's may disagree before a reading's time counts against the
 * shipment's range. Device clocks are GPS or NTP disciplined; five minutes is generous for that and far below
 * any excursion delay, so it cannot hide one.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;
const CHUNK = 1_000;

export interface RangeView {
  shipment: ShipmentEntry;
  previous: ShipmentEntry | null;
  next: ShipmentEntry | null;
}

export interface RangeResult {
  check: VerificationCheck;
  /** Readings taken while the shipment ran that reached the store only after its completion (not part of it). */
  late: { fromSeq: number; toSeq: number; count: number } | null;
}

/**
 * `range`: the shipment's readings are the device's readings between its creation and its completion —
 * no other shipment of the device claims any of them, none was taken before the shipment was created or after
 * it was completed, and the completion left out no reading that was taken during the shipment and already
 * stored when it completed (a completion cut short would hide what came last). Readings taken during the
 * shipment that arrived after its completion (an agent that was offline) are reported, not failed.
 */
export async function verifyRange(
  store: Pick<ReadingStore, 'records' | 'batches'>,
  view: RangeView,
  range: SeqRange,
  inRange: readonly StoredRecord[],
): Promise<RangeResult> {
  const { shipment, previous, next } = view;
  const problems: string[] = [];
  const { device } = shipment;
  if (previous) {
    if (previous.status !== 'completed' || previous.toSeq === null) {
      problems.push(
        `the device's previous shipment ${previous.sscc} is still in transit: two shipments are open on ${device}`,
      );
    } else if (previous.toSeq >= range.fromSeq) {
      problems.push(
        `readings ${device}#${range.fromSeq}-${Math.min(previous.toSeq, range.toSeq)} are claimed by the device's previous shipment ${previous.sscc} too`,
      );
    }
  }
  if (next) {
    if (shipment.status !== 'completed') {
      problems.push(`a later shipment ${next.sscc} started on ${device} while this one is in transit`);
    } else if (next.fromSeq <= range.toSeq) {
      problems.push(
        `readings ${device}#${next.fromSeq}-${range.toSeq} are claimed by the device's next shipment ${next.sscc} too`,
      );
    }
  }
  const created = Date.parse(shipment.createdAt);
  const completed =
    shipment.completedAt === null ? Number.POSITIVE_INFINITY : Date.parse(shipment.completedAt);
  const early = inRange.filter((r) => Date.parse(r.record.ts) < created - CLOCK_SKEW_MS);
  const after = inRange.filter((r) => Date.parse(r.record.ts) > completed + CLOCK_SKEW_MS);
  if (early[0]) {
    problems.push(
      `${early.length} reading(s) from ${device}#${early[0].record.seq} (${early[0].record.ts}) were taken before the shipment was created at ${shipment.createdAt}`,
    );
  }
  if (after[0]) {
    problems.push(
      `${after.length} reading(s) from ${device}#${after[0].record.seq} (${after[0].record.ts}) were taken after the shipment was completed at ${shipment.completedAt}`,
    );
  }
  let late: RangeResult['late'] = null;
  if (shipment.status === 'completed' && Number.isFinite(completed)) {
    const during = await takenDuring(
      store,
      device,
      range.toSeq + 1,
      next ? next.fromSeq - 1 : Number.MAX_SAFE_INTEGER,
      completed,
    );
    if (during.length > 0) {
      const storedAt = await firstStored(store, device, during);
      const short = during.filter(
        (seq) => (storedAt.get(seq) ?? Number.POSITIVE_INFINITY) < completed - CLOCK_SKEW_MS,
      );
      if (short[0] !== undefined) {
        problems.push(
          `the completion left out ${short.length} reading(s) from ${device}#${short[0]} that were taken during the shipment and already stored when it completed at ${shipment.completedAt}`,
        );
      }
      const arrivedLater = during.filter((seq) => !short.includes(seq));
      if (arrivedLater[0] !== undefined) {
        late = { fromSeq: arrivedLater[0], toSeq: arrivedLater.at(-1) as number, count: arrivedLater.length };
      }
    }
  }
  const count = Math.max(0, range.toSeq - range.fromSeq + 1);
  const detail =
    count === 0
      ? 'no readings: the shipment was closed before any arrived'
      : `readings ${device}#${range.fromSeq}-${range.toSeq} were taken while the shipment ran, and no other shipment of the device claims them`;
  return { check: checkResult('range', problems, detail), late };
}

/** Seqs from..upTo of the device taken before `until` (minus the skew), scanning until the readings are later. */
async function takenDuring(
  store: Pick<ReadingStore, 'records'>,
  device: string,
  from: number,
  upTo: number,
  until: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let lo = from; lo <= upTo; lo += CHUNK) {
    const chunk = await store.records(device, lo, Math.min(upTo, lo + CHUNK - 1));
    for (const r of chunk) {
      const t = Date.parse(r.record.ts);
      if (t > until + CLOCK_SKEW_MS) return out;
      if (t < until - CLOCK_SKEW_MS) out.push(r.record.seq);
    }
    if (chunk.length < CHUNK) return out;
  }
  return out;
}

/** When each seq was first stored: the earliest receipt of a signed batch that carries it. */
async function firstStored(
  store: Pick<ReadingStore, 'batches'>,
  device: string,
  seqs: readonly number[],
): Promise<Map<number, number>> {
  const at = new Map<number, number>();
  const batches = await store.batches(device, seqs[0] as number, seqs.at(-1) as number);
  for (const b of batches) {
    const t = Date.parse(b.receivedAt);
    for (const seq of seqs) {
      if (seq >= b.fromSeq && seq <= b.toSeq) at.set(seq, Math.min(at.get(seq) ?? t, t));
    }
  }
  return at;
}
