import type { StateReader, VersionedValue } from './simulation-stub.js';

/**
 * The world state a query's answer rests on: every key it read (with what it found, or null for "absent")
 * and every range it scanned (with the rows it got). verify-evidence.ts checks exactly these against the
 * write sets of the ledger's transactions, so an answer is verified without replaying the whole ledger.
 */
export interface StateEvidence {
  gets: Map<string, VersionedValue | null>;
  ranges: { start: string; end: string; rows: Map<string, VersionedValue> }[];
}

export function emptyEvidence(): StateEvidence {
  return { gets: new Map(), ranges: [] };
}

/** A StateReader that notes in `evidence` everything read through it. */
export function recordingReader(inner: StateReader, evidence: () => StateEvidence): StateReader {
  return {
    get(key) {
      const found = inner.get(key);
      evidence().gets.set(key, found ?? null);
      return found;
    },
    range(start, end) {
      const rows = inner.range(start, end);
      evidence().ranges.push({
        start,
        end,
        rows: new Map(rows.map((r) => [r.key, { value: r.value, version: r.version }])),
      });
      return rows;
    },
  };
}
