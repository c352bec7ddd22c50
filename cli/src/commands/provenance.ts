import { existsSync } from 'node:fs';
import { parseSscc } from '@coldtrail/core';
import { start as startLedgerSync } from '@coldtrail/ledger-sync';
import { resolveDataDir } from '../data-dir.js';
import { DEMO, ledgerSyncDir } from '../demo/demo-setup.js';
import { Exit, ExitError } from '../exit-codes.js';
import { renderProvenance } from '../render/provenance-text.js';

export interface ProvenanceOptions {
  dataDir?: string;
  json?: boolean;
}

/**
 * `coldtrail provenance <sscc>`: custody, readings, excursions and the verification of every step.
 * Exit 0 when everything verifies, 3 when any check fails, 4 when the shipment is unknown.
 */
export async function provenance(ssccInput: string, opts: ProvenanceOptions): Promise<void> {
  const sscc = parseSscc(ssccInput);
  const dataDir = resolveDataDir(opts.dataDir);
  const dir = ledgerSyncDir(dataDir);
  if (!existsSync(dir)) {
    throw new ExitError(
      Exit.NotFound,
      `no coldtrail data in ${dataDir}: pass --data-dir, or run \`coldtrail demo\``,
    );
  }
  const ls = await startLedgerSync(
    { dataDir: dir, org: DEMO.org, resumeAnchoring: false },
    { log: quietLog },
  );
  try {
    const report = await ls.provenance(sscc);
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderProvenance(report));
    if (!report.verification.ok) process.exitCode = Exit.VerificationFailed;
  } finally {
    await ls.close();
  }
}

/** Read-only command: background anchoring is not its business, so its log stays quiet except errors. */
const quietLog = {
  info() {},
  warn() {},
  error(message: string, fields?: Record<string, unknown>) {
    process.stderr.write(`coldtrail: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  },
};
