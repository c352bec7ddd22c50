import { openLedgerBrowser } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { blockText, writeOut } from '../render/ledger-output.js';

export interface LedgerBlocksOptions {
  dataDir?: string;
  /** First block to list; default: the last `limit` blocks. */
  from?: string;
  /** How many blocks at most (default 20). */
  limit?: string;
  json?: boolean;
}

export const DEFAULT_BLOCK_LIMIT = 20;

function count(name: string, text: string, min: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ExitError(Exit.Usage, `${name} must be an integer >= ${min} (got "${text}")`);
  }
  return n;
}

/**
 * `coldtrail ledger blocks`: blocks with their transactions, ascending. Without --from the last --limit
 * blocks (default 20, the tip last); with --from N, up to --limit blocks from N on. Read a page at a time
 * and written as read (JSON too: `{"blocks":[` one block per line `]}`), so any --limit is safe. Reads only.
 */
export async function ledgerBlocks(opts: LedgerBlocksOptions): Promise<void> {
  const limit = opts.limit === undefined ? DEFAULT_BLOCK_LIMIT : count('--limit', opts.limit, 1);
  const from = opts.from === undefined ? undefined : count('--from', opts.from, 0);
  const browser = openLedgerBrowser(existingLedgerSyncDir(resolveDataDir(opts.dataDir)));
  try {
    const tip = browser.tipNumber();
    const start = from ?? Math.max(0, (tip ?? 0) - limit + 1);
    let listed = 0;
    if (opts.json) await writeOut('{"blocks":[');
    for (const block of browser.blocks({ from: start, limit })) {
      if (opts.json) await writeOut(`${listed === 0 ? '\n' : ',\n'}${JSON.stringify(block)}`);
      else await writeOut(blockText(block));
      listed++;
    }
    if (opts.json) await writeOut(`${listed === 0 ? '' : '\n'}]}\n`);
    else if (listed === 0) {
      await writeOut(
        tip === null
          ? 'the ledger holds no blocks\n'
          : `no blocks from ${start} on: the tip is block ${tip}\n`,
      );
    }
  } finally {
    browser.close();
  }
}
