import { type KeyRead, type RwSet, ValidationCode, type Version } from './ledger-records.js';

/**
 * Multi-version concurrency control at commit, as Fabric's validator does it: a transaction is valid only if
 * every key it read still has the version it saw, and every range it scanned still holds exactly the same keys
 * at the same versions (no phantoms). Transactions of one block are validated in order against the state as
 * left by the valid ones before them. The same function runs at commit (over SQLite) and in `verify` (over the
 * replayed state), so a stored validation code can be checked.
 */
export interface VersionReader {
  version(key: string): Version | null;
  /** Keys and versions in [start, end) in bytewise key order; end '' = unbounded. */
  rangeVersions(start: string, end: string): KeyRead[];
}

export function sameVersion(a: Version | null, b: Version | null): boolean {
  if (a === null || b === null) return a === b;
  return a.block === b.block && a.tx === b.tx;
}

export function validateRwSet(rwset: RwSet, state: VersionReader): ValidationCode {
  for (const read of rwset.reads) {
    if (!sameVersion(state.version(read.key), read.version)) return ValidationCode.MvccReadConflict;
  }
  for (const range of rwset.ranges) {
    const now = state.rangeVersions(range.start, range.end);
    if (now.length !== range.reads.length) return ValidationCode.PhantomReadConflict;
    for (let i = 0; i < now.length; i++) {
      const a = now[i] as KeyRead;
      const b = range.reads[i] as KeyRead;
      if (a.key !== b.key || !sameVersion(a.version, b.version)) return ValidationCode.PhantomReadConflict;
    }
  }
  return ValidationCode.Valid;
}
