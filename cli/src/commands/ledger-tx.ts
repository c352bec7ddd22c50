import { openLedgerBrowser } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { txText, writeOut } from '../render/ledger-output.js';

export interface LedgerTxOptions {
  dataDir?: string;
  json?: boolean;
}

/**
 * `coldtrail ledger tx <txId>`: one transaction in full — block, index, validation code, function, arguments,
 * read/write set with readable keys, event, creator and signature as stored — and whether the signature
 * verifies with the creator certificate and that certificate is its org's. Exit 4 for an id the ledger does
 * not hold. Reads only; `ledger verify` is what proves the transaction is the ledger's.
 */
export async function ledgerTx(txId: string, opts: LedgerTxOptions): Promise<void> {
  if (!/^[0-9a-fA-F]{64}$/.test(txId)) {
    throw new ExitError(Exit.Usage, `"${txId}" is not a transaction id: 64 hex digits (see ledger blocks)`);
  }
  const id = txId.toLowerCase();
  const browser = openLedgerBrowser(existingLedgerSyncDir(resolveDataDir(opts.dataDir)));
  try {
    const tx = await browser.tx(id);
    if (!tx) throw new ExitError(Exit.NotFound, `no transaction ${id} on this ledger (see ledger blocks)`);
    await writeOut(opts.json ? `${JSON.stringify(tx, null, 2)}\n` : txText(tx));
  } finally {
    browser.close();
  }
}
