import { hashRecord, type ReadingRecord } from '@coldtrail/core';
import type { LedgerVerifyOptions, LedgerVerifyReport } from './ledger/verify-report.js';

/**
 * One verification step of a provenance answer (DESIGN §2.8). `range`, `custody` and `excursions` re-derive
 * from the verified readings what the ledger states (the shipment's readings, the order of its custody
 * events, its excursions) instead of believing it; `tip` checks the ledger against a tip kept elsewhere.
 */
export interface VerificationCheck {
  name: 'signatures' | 'hash-chain' | 'anchors' | 'range' | 'custody' | 'excursions' | 'ledger' | 'tip';
  ok: boolean;
  /** One line: what was checked, or the first problem found. */
  detail: string;
  /** Every problem found (at most MAX_PROBLEMS), each naming the record, batch, anchor or block. */
  problems?: string[];
  /** True when the check could not run here (ok is then true but proves nothing). */
  skipped?: boolean;
}

export interface Verification {
  ok: boolean;
  checks: VerificationCheck[];
}

/**
 * The ledger's own integrity check; only ledgers that hold their blocks locally can offer one. Problems of
 * check `tip` concern the expected tip (options), the others the ledger's own chain.
 */
export type LedgerVerifier = (options?: LedgerVerifyOptions) => Promise<
  Pick<LedgerVerifyReport, 'ok' | 'problems' | 'tip'> & {
    /** Set when only the state the answer used was checked (verify-evidence.ts), not the whole ledger replayed. */
    stateValues?: number;
  }
>;

export const MAX_PROBLEMS = 50;

export function checkResult(
  name: VerificationCheck['name'],
  problems: readonly string[],
  okDetail: string,
): VerificationCheck {
  const [first] = problems;
  if (first === undefined) return { name, ok: true, detail: okDetail };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return { name, ok: false, detail: `${first}${more}`, problems: problems.slice(0, MAX_PROBLEMS) };
}

/** Hash of a record rebuilt from storage; a row edited into something unhashable gets a marker instead. */
export function rehash(record: ReadingRecord): string {
  try {
    return hashRecord(record);
  } catch {
    return 'unhashable';
  }
}
