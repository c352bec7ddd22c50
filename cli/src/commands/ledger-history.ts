import { openLedgerBrowser, parseReadableKey } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { versionText, writeOut } from '../render/ledger-output.js';

export interface LedgerHistoryOptions {
  dataDir?: string;
  /** The key is a plain state key, not `type/part/part`. */
  raw?: boolean;
  json?: boolean;
}

/**
 * `coldtrail ledger history <key>`: every version of a state key, oldest first, from the ledger's key history:
 * block, transaction index and id, the transaction's timestamp, the value (parsed when it is JSON) or a
 * delete. The key is given as `type/part/part` (a composite key, as the contract makes them: device/probe-1,
 * shipment/<SSCC>) or, with --raw, as it is stored. Exit 4 for a key that never had a value. Reads only.
 */
export async function ledgerHistory(key: string, opts: LedgerHistoryOptions): Promise<void> {
  if (key === '') throw new ExitError(Exit.Usage, 'the key is empty: pass type/part/part or --raw KEY');
  const stateKey = opts.raw ? key : parseReadableKey(key);
  const browser = openLedgerBrowser(existingLedgerSyncDir(resolveDataDir(opts.dataDir)));
  try {
    let listed = 0;
    for (const v of browser.history(stateKey)) {
      if (opts.json) {
        const head = `{"key":${JSON.stringify(key)},"versions":[`;
        await writeOut(`${listed === 0 ? head : ','}\n${JSON.stringify(v)}`);
      } else await writeOut(versionText(v));
      listed++;
    }
    if (listed === 0) {
      throw new ExitError(
        Exit.NotFound,
        `no history for key ${key} on this ledger${opts.raw ? '' : ' (for a key that is not type/part/part, pass --raw)'}`,
      );
    }
    if (opts.json) await writeOut('\n]}\n');
  } finally {
    browser.close();
  }
}
