import { parseSscc } from '@coldtrail/core';
import { openQuery } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit } from '../exit-codes.js';
import { parseExpectTip } from '../expect-tip.js';
import { renderProvenance } from '../render/provenance-text.js';

export interface ProvenanceOptions {
  dataDir?: string;
  json?: boolean;
  /** `N:HASH`, `N` or a checkpoint file (see expect-tip.ts). */
  expectTip?: string;
}

/**
 * `coldtrail provenance <sscc>`: custody, readings, excursions and the verification of every step.
 * Exit 0 when everything verifies, 3 when any check fails, 4 when the shipment is unknown. Reads only: the
 * data directory is opened read-only and left byte-for-byte as it was.
 */
export async function provenance(ssccInput: string, opts: ProvenanceOptions): Promise<void> {
  const sscc = parseSscc(ssccInput);
  const expectTip = opts.expectTip === undefined ? undefined : parseExpectTip(opts.expectTip);
  const dir = existingLedgerSyncDir(resolveDataDir(opts.dataDir));
  const query = await openQuery({ dataDir: dir });
  try {
    const report = await query.provenance(sscc, expectTip ? { expectTip } : {});
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderProvenance(report));
    if (!report.verification.ok) process.exitCode = Exit.VerificationFailed;
  } finally {
    await query.close();
  }
}
