import { existsSync } from 'node:fs';
import { verifyLedger } from '@coldtrail/ledger-sync';
import { resolveDataDir } from '../data-dir.js';
import { ledgerSyncDir } from '../demo/demo-setup.js';
import { Exit, ExitError } from '../exit-codes.js';

export interface LedgerVerifyOptions {
  dataDir?: string;
  json?: boolean;
  /** `N:HEX` or `N`: a tip recorded earlier, outside the ledger (see verifyLedger's expectTip). */
  expectTip?: string;
}

const TIP_FORMAT = /^(\d{1,15})(?::([0-9a-fA-F]{64}))?$/;

/** Parses `--expect-tip`: a block number, optionally `:` and that block's 64-hex-digit hash. */
export function parseExpectTip(value: string): { number: number; hash?: string } {
  const m = TIP_FORMAT.exec(value.trim());
  if (!m?.[1]) {
    throw new ExitError(
      Exit.Usage,
      `--expect-tip must be <number:hash> (a block number, then ":" and its 64 hex digit hash) or just <number>; got "${value}"`,
    );
  }
  return { number: Number(m[1]), ...(m[2] ? { hash: m[2].toLowerCase() } : {}) };
}

/** `coldtrail ledger verify`: exit 0 when the embedded ledger replays intact, 3 naming the first break. */
export async function ledgerVerify(opts: LedgerVerifyOptions): Promise<void> {
  const expectTip = opts.expectTip === undefined ? undefined : parseExpectTip(opts.expectTip);
  const dataDir = resolveDataDir(opts.dataDir);
  const path = ledgerPath(dataDir);
  if (!existsSync(path)) {
    throw new ExitError(
      Exit.NotFound,
      `no ledger in ${dataDir}: run \`coldtrail demo --data-dir ${dataDir}\` first`,
    );
  }
  const report = await verifyLedger(path, expectTip ? { expectTip } : {});
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.ok) {
    // The tip is printed so it can be kept elsewhere and passed back as --expect-tip: replay alone cannot
    // notice blocks cut consistently off the end of the ledger.
    const tip = report.tip ? `; tip block ${report.tip.number} hash ${report.tip.hash}` : '; no blocks';
    process.stdout.write(
      `ledger intact: ${report.blocks} blocks, ${report.transactions} transactions verified${tip}\n`,
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
