import { existsSync } from 'node:fs';
import { verifyLedger } from '@coldtrail/ledger-sync';
import { resolveDataDir } from '../data-dir.js';
import { ledgerSyncDir } from '../demo/demo-setup.js';
import { Exit, ExitError } from '../exit-codes.js';

export interface LedgerVerifyOptions {
  dataDir?: string;
  json?: boolean;
}

/** `coldtrail ledger verify`: exit 0 when the embedded ledger replays intact, 3 naming the first break. */
export async function ledgerVerify(opts: LedgerVerifyOptions): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  const path = ledgerPath(dataDir);
  if (!existsSync(path)) {
    throw new ExitError(
      Exit.NotFound,
      `no ledger in ${dataDir}: run \`coldtrail demo --data-dir ${dataDir}\` first`,
    );
  }
  const report = await verifyLedger(path);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.ok) {
    process.stdout.write(
      `ledger intact: ${report.blocks} blocks, ${report.transactions} transactions verified\n`,
    );
  } else {
    const first = report.problems[0];
    process.stderr.write(`ledger BROKEN: ${first?.message ?? 'unknown problem'}\n`);
    for (const p of report.problems.slice(1, 10)) process.stderr.write(`  also: ${p.message}\n`);
  }
  if (!report.ok) process.exitCode = Exit.VerificationFailed;
}

/** Where the demo keeps the embedded ledger inside a data directory. */
export function ledgerPath(dataDir: string): string {
  return ledgerSyncDir(dataDir);
}
