import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Exit, ExitError } from './exit-codes.js';

/**
 * The data directory's layout (README "Data directory"; an API: paths are added, never renamed). The demo
 * writes all of it; the read commands look only under ledger-sync/.
 */
export const agentDir = (dataDir: string) => join(dataDir, 'agent');
export const ledgerSyncDir = (dataDir: string) => join(dataDir, 'ledger-sync');

/** `--data-dir`, else COLDTRAIL_DATA_DIR, else ./coldtrail-data (relative to the working directory). */
export function resolveDataDir(option: string | undefined): string {
  return resolve(option ?? process.env.COLDTRAIL_DATA_DIR ?? 'coldtrail-data');
}

/**
 * For commands that read: the data directory must exist, be a directory and hold ledger-sync's data.
 * "Nothing here" is NOT_FOUND (a wrong --data-dir, most likely); a ledger missing from data that is here is
 * a verification failure, reported by whoever opens it.
 */
export function existingLedgerSyncDir(dataDir: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(dataDir).isDirectory();
  } catch {
    throw new ExitError(
      Exit.NotFound,
      `no coldtrail data in ${dataDir}: pass --data-dir, or run \`coldtrail demo\``,
    );
  }
  if (!isDir) {
    throw new ExitError(
      Exit.Usage,
      `data dir ${dataDir} is a file, not a directory: pass the directory with --data-dir`,
    );
  }
  const dir = ledgerSyncDir(dataDir);
  if (!existsSync(dir)) {
    throw new ExitError(
      Exit.NotFound,
      `no coldtrail data in ${dataDir}: pass --data-dir, or run \`coldtrail demo\``,
    );
  }
  return dir;
}
