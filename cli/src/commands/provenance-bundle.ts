import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildProvenanceBundle } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';

export interface ProvenanceBundleOptions {
  dataDir?: string;
  /** Where to write the bundle (`--bundle FILE`). */
  bundle: string;
}

/**
 * `coldtrail provenance <sscc> --bundle FILE`: writes the shipment's offline bundle (docs/bundle-format.md),
 * which `coldtrail verify FILE` checks with no database and no network. Reads the data dir only; the file is
 * written whole or not at all (a temporary file beside it, renamed). Refused on a Fabric data dir: bundles need
 * the embedded ledger for now. Returns the bundle's size and tip, for the caller to report.
 */
export async function writeProvenanceBundle(
  sscc: string,
  opts: ProvenanceBundleOptions,
): Promise<{ file: string; bytes: number; readings: number; tip: { number: number; hash: string } }> {
  const dir = existingLedgerSyncDir(resolveDataDir(opts.dataDir));
  const bundle = await buildProvenanceBundle({ dataDir: dir }, sscc);
  const text = `${JSON.stringify(bundle)}\n`;
  const tmp = join(dirname(opts.bundle), `.${process.pid}.${Date.now()}.bundle.tmp`);
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await rename(tmp, opts.bundle);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new ExitError(Exit.Usage, `cannot write the bundle ${opts.bundle}: ${(err as Error).message}`);
  }
  return {
    file: opts.bundle,
    bytes: Buffer.byteLength(text),
    readings: bundle.readings.length,
    tip: { number: bundle.ledger.tip.number, hash: bundle.ledger.tip.hash },
  };
}
