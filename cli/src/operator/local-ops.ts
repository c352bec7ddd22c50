import type { Clock } from '@coldtrail/core';
import { readLedgerSelection, start as startLedgerSync } from '@coldtrail/ledger-sync';
import { ledgerSyncDir } from '../data-dir.js';
import { quietLog } from '../quiet-log.js';
import { type OperatorOps, operatorOps } from './operator-ops.js';

/**
 * The operator's operations without a server: this process opens ledger-sync on the data dir as `org` for
 * one job (the caller holds the data dir's lock), without background anchoring or live excursions, and
 * closes it again, on the data dir's own ledger.
 */
export async function withLocalOps<T>(
  dataDir: string,
  org: string,
  job: (ops: OperatorOps) => Promise<T>,
  clock?: Clock,
): Promise<T> {
  const dir = ledgerSyncDir(dataDir);
  // The data dir's own ledger (ledger-selection.ts): a Fabric data dir must never get an embedded one here.
  const ls = await startLedgerSync(
    { dataDir: dir, org, resumeAnchoring: false, liveExcursions: false, ...readLedgerSelection(dir) },
    { log: quietLog, ...(clock ? { clock } : {}) },
  );
  try {
    return await job(operatorOps({ ls, org, dataDir }));
  } finally {
    await ls.close();
  }
}
