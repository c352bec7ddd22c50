import { verifyLedger } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit } from '../exit-codes.js';
import { parseExpectTip } from '../expect-tip.js';

export interface LedgerVerifyOptions {
  dataDir?: string;
  json?: boolean;
  /** `N:HEX`, `N` or a checkpoint file: a tip recorded earlier, outside the ledger (see verifyLedger). */
  expectTip?: string;
}

/**
 * `coldtrail ledger verify`: exit 0 when the embedded ledger replays intact (and reaches the expected tip),
 * 3 naming the first break; an empty or missing ledger is no ledger (3). Reads only.
 */
export async function ledgerVerify(opts: LedgerVerifyOptions): Promise<void> {
  const expected = opts.expectTip === undefined ? {} : parseExpectTip(opts.expectTip);
  const dataDir = resolveDataDir(opts.dataDir);
  const report = await verifyLedger(existingLedgerSyncDir(dataDir), expected);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.ok) {
    // The tip is printed so it can be kept elsewhere and passed back as --expect-tip: replay alone cannot
    // notice blocks cut consistently off the end of the ledger.
    const tip = report.tip ? `; tip block ${report.tip.number} hash ${report.tip.hash}` : '; no blocks';
    process.stdout.write(
      `ledger intact: ${report.blocks} blocks, ${report.transactions} transactions verified${tip}\n`,
    );
    if (!('expectTip' in expected) && !('checkpoint' in expected)) {
      process.stdout.write(
        'note: a single node cannot prove that no blocks were cut off its end; keep a checkpoint elsewhere (`coldtrail ledger export-tip`) and pass it back with --expect-tip\n',
      );
    }
  } else {
    const first = report.problems[0];
    process.stderr.write(`ledger BROKEN: ${first?.message ?? 'unknown problem'}\n`);
    for (const p of report.problems.slice(1, 10)) process.stderr.write(`  also: ${p.message}\n`);
  }
  if (!report.ok) process.exitCode = Exit.VerificationFailed;
}
