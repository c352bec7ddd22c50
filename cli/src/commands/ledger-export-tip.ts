import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openQuery } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';

export interface ExportTipOptions {
  dataDir?: string;
  out?: string;
  json?: boolean;
}

/**
 * `coldtrail ledger export-tip`: verifies the whole embedded ledger and writes a checkpoint of its tip signed
 * by the node, for another party to keep and pass back later with `--expect-tip FILE` (a single node cannot
 * prove by itself that blocks were not cut off its end). To stdout, or to `--out FILE` (written whole, then
 * renamed into place). Exit 3 when the ledger does not verify: no checkpoint vouches for a broken ledger.
 */
export async function ledgerExportTip(opts: ExportTipOptions): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  const query = await openQuery({ dataDir: existingLedgerSyncDir(dataDir) });
  let text: string;
  let tip: { number: number; hash: string };
  try {
    const checkpoint = await query.exportTip();
    text = `${JSON.stringify(checkpoint, null, 2)}\n`;
    tip = checkpoint.tip;
  } finally {
    await query.close();
  }
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  const file = resolve(opts.out);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    throw new ExitError(Exit.Usage, `cannot write the checkpoint to ${file}: ${(err as Error).message}`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify({ file, tip }, null, 2)}\n`);
  else {
    process.stdout.write(
      `checkpoint of block ${tip.number} (${tip.hash}) written to ${file}\n` +
        `hand it to another party; later: coldtrail provenance SSCC --expect-tip ${file}\n`,
    );
  }
}
