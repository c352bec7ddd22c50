import { resolve } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { LedgerClient } from './ledger-types.js';
import type { LedgerSyncQuery } from './query.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';

/**
 * What the embedded (query.ts) and the Fabric (fabric-query.ts) query faces share: the reading store, opened
 * read-only on first use; the closed state; and the answers that do not depend on which ledger it is.
 */
export interface QueryBase {
  /** Throws once the query is closed. */
  live(): void;
  /** The data dir's reading store (read-only, opened on first use). */
  readings(): SqliteReadingStore;
  /** The shared answers, through `ledger`. */
  answers: Pick<LedgerSyncQuery, 'listShipments' | 'getShipment' | 'newestReading'>;
  /** Marks the query closed and closes the store, once; false when it was closed already. */
  close(): Promise<boolean>;
}

export function queryBase(
  dataDir: string,
  readingsFile: string | undefined,
  ledger: LedgerClient,
): QueryBase {
  let store: SqliteReadingStore | undefined;
  let closed = false;
  const live = () => {
    if (closed) throw new ColdtrailError(ErrorCode.Unavailable, 'this query is closed');
  };
  const readings = () => {
    live();
    store ??= SqliteReadingStore.openReadonly(resolve(dataDir, readingsFile ?? 'readings.db'));
    return store;
  };
  return {
    live,
    readings,
    answers: {
      async listShipments() {
        live();
        return ledger.listShipments();
      },
      async getShipment(sscc) {
        live();
        return ledger.getShipment(sscc);
      },
      async newestReading(device) {
        const s = readings();
        const head = await s.head(device);
        const [last] = head.seq > 0 ? await s.records(device, head.seq, head.seq) : [];
        return last ? { seq: last.record.seq, ts: last.record.ts } : null;
      },
    },
    async close() {
      if (closed) return false;
      closed = true;
      await store?.close();
      return true;
    },
  };
}
