import type { LedgerVerifyOptions } from './ledger/verify-report.js';
import { checkResult, type LedgerVerifier, type VerificationCheck } from './verification.js';

/** What a single node cannot prove about its own ledger, stated with every answer that rests on it. */
export const SINGLE_NODE_LIMIT =
  'the embedded ledger is a single node: its signing keys sit in its data directory, so whoever can write there can rewrite and re-sign it; only a checkpoint kept elsewhere (`coldtrail ledger export-tip`) or a Fabric network binds it';
export const UNATTESTED =
  'the ledger tip is not attested: a single node cannot prove that no blocks were cut off its end; pass --expect-tip with a checkpoint or N:HASH kept elsewhere';

/**
 * The `ledger` check (the block chain replays intact) and the `tip` check (the ledger still reaches a tip
 * recorded outside it), with what the answer cannot prove. Without a verifier (a ledger whose blocks are not
 * held here, e.g. Fabric) both are skipped and say so.
 */
export async function ledgerChecks(
  verifyLedger: LedgerVerifier | undefined,
  expect: Pick<LedgerVerifyOptions, 'expectTip' | 'checkpoint'> | undefined,
): Promise<{ checks: VerificationCheck[]; limits: string[] }> {
  if (!verifyLedger) {
    const detail = 'this ledger adapter offers no block-chain check';
    return {
      checks: [
        { name: 'ledger', ok: true, skipped: true, detail },
        { name: 'tip', ok: true, skipped: true, detail },
      ],
      limits: [],
    };
  }
  let report: Awaited<ReturnType<LedgerVerifier>>;
  try {
    report = await verifyLedger(expect ?? {});
  } catch (err) {
    const detail = `ledger verification failed: ${err instanceof Error ? err.message : String(err)}`;
    return {
      checks: [
        { name: 'ledger', ok: false, detail },
        { name: 'tip', ok: false, detail },
      ],
      limits: [SINGLE_NODE_LIMIT],
    };
  }
  const text = (p: { block: number | null; message: string }) =>
    p.block === null ? p.message : `block ${p.block}: ${p.message}`;
  const chain = report.problems.filter((p) => p.check !== 'tip').map(text);
  const tip = report.problems.filter((p) => p.check === 'tip').map(text);
  const at = report.tip ? `block ${report.tip.number} (${report.tip.hash.slice(0, 12)}…)` : 'no block';
  const used =
    report.stateValues === undefined
      ? ''
      : `; the ${report.stateValues} state values this answer uses are what its transactions wrote`;
  const checks = [checkResult('ledger', chain, `block chain intact up to ${at}${used}`)];
  const attested = expect?.checkpoint
    ? `the ledger reaches the tip of the checkpoint exported ${expect.checkpoint.exportedAt} (block ${expect.checkpoint.tip.number})`
    : expect?.expectTip
      ? `the ledger reaches the expected tip (block ${expect.expectTip.number ?? `hashing to ${expect.expectTip.hash}`})`
      : undefined;
  const limits = [SINGLE_NODE_LIMIT];
  if (attested) {
    checks.push(checkResult('tip', tip, attested));
    const upTo = expect?.checkpoint?.tip.number ?? expect?.expectTip?.number;
    if (upTo !== undefined && report.tip && report.tip.number > upTo) {
      limits.push(
        `blocks ${upTo + 1}-${report.tip.number} come after the attested tip and rest on this node alone`,
      );
    }
  } else {
    checks.push({ name: 'tip', ok: true, skipped: true, detail: UNATTESTED });
    limits.push(UNATTESTED);
  }
  return { checks, limits };
}
