import { isHash, merkleRoot } from '@coldtrail/core';
import type { AnchorEntry } from './ledger-types.js';
import type { ReadingStore, StoredRecord } from './reading-store.js';
import { checkResult, rehash, type VerificationCheck } from './verification.js';
import type { SeqRange } from './verify-readings.js';

/**
 * `anchors`: the range is covered by on-ledger anchors without a hole, and each anchor's root equals the
 * Merkle root recomputed from the stored readings (rebuilt from their fields). While a shipment is in transit
 * its newest readings may not be anchored yet (`requireFullCoverage` false): that tail is reported, not failed.
 */
export async function verifyAnchors(
  store: Pick<ReadingStore, 'records'>,
  device: string,
  range: SeqRange,
  anchors: readonly AnchorEntry[],
  requireFullCoverage: boolean,
  /** Records already read (and their recomputed hashes, by seq): anchors they cover are not read again. */
  known?: { records: readonly StoredRecord[]; hashes: ReadonlyMap<number, string> },
): Promise<VerificationCheck> {
  const bySeq = new Map(known?.records.map((r) => [r.record.seq, r]));
  const recordsOf = async (from: number, to: number): Promise<StoredRecord[]> => {
    const out: StoredRecord[] = [];
    for (let s = from; s <= to; s++) {
      const r = bySeq.get(s);
      if (!r) return store.records(device, from, to);
      out.push(r);
    }
    return out;
  };
  const hashOf = (r: StoredRecord) => known?.hashes.get(r.record.seq) ?? rehash(r.record);
  const problems: string[] = [];
  const sorted = [...anchors]
    .filter((a) => a.device === device && a.toSeq >= range.fromSeq && a.fromSeq <= range.toSeq)
    .sort((a, b) => a.fromSeq - b.fromSeq);
  for (const a of sorted) {
    const name = `anchor ${device}#${a.fromSeq}-${a.toSeq}`;
    const size = a.toSeq - a.fromSeq + 1;
    if (
      !Number.isSafeInteger(a.fromSeq) ||
      !Number.isSafeInteger(a.toSeq) ||
      a.count !== size ||
      !isHash(a.root)
    ) {
      problems.push(`${name}: malformed anchor on the ledger (range, count or root)`);
      continue;
    }
    const records = await recordsOf(a.fromSeq, a.toSeq);
    if (records.length !== size || records.some((r, i) => r.record.seq !== a.fromSeq + i)) {
      problems.push(`${name}: the reading store lacks some of its ${size} readings`);
      continue;
    }
    if (merkleRoot(records.map(hashOf)) !== a.root) {
      problems.push(
        `${name}: on-ledger root ${a.root.slice(0, 12)}… is not the Merkle root of the stored readings`,
      );
    }
  }
  let cursor = range.fromSeq;
  for (const a of sorted) {
    if (a.fromSeq > cursor) problems.push(`${device}#${cursor}-${a.fromSeq - 1}: not anchored on the ledger`);
    cursor = Math.max(cursor, a.toSeq + 1);
  }
  let tail = '';
  if (cursor <= range.toSeq) {
    const hole = `${device}#${cursor}-${range.toSeq}: not anchored on the ledger`;
    if (requireFullCoverage) problems.push(hole);
    else tail = `; in transit, ${hole} yet`;
  }
  return checkResult(
    'anchors',
    problems,
    `${sorted.length} on-ledger Merkle roots match the stored readings${tail}`,
  );
}
