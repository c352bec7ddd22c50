import type { ReadStatements } from './ledger-db.js';
import { versionOf } from './ledger-db.js';
import type { VersionReader } from './mvcc.js';
import type { StateReader } from './simulation-stub.js';

/** Committed world state as simulation reads it (keys as UTF-8 BLOBs, see ledger-db.ts). */
export function dbStateReader(s: ReadStatements): StateReader {
  const key = (k: string) => Buffer.from(k, 'utf8');
  return {
    get(k) {
      const row = s.getState.get(key(k));
      return row ? { value: row.value, version: versionOf(row) } : undefined;
    },
    range(start, end) {
      const rows = end === '' ? s.rangeOpen.all(key(start)) : s.rangeBounded.all(key(start), key(end));
      return rows.map((r) => ({ key: r.key.toString('utf8'), value: r.value, version: versionOf(r) }));
    },
  };
}

export function versionReader(r: StateReader): VersionReader {
  return {
    version: (k) => r.get(k)?.version ?? null,
    rangeVersions: (start, end) => r.range(start, end).map((row) => ({ key: row.key, version: row.version })),
  };
}
