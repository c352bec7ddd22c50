import { resolve } from 'node:path';

/** `--data-dir`, else COLDTRAIL_DATA_DIR, else ./coldtrail-data (relative to the working directory). */
export function resolveDataDir(option: string | undefined): string {
  return resolve(option ?? process.env.COLDTRAIL_DATA_DIR ?? 'coldtrail-data');
}
