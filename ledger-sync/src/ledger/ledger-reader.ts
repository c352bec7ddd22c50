import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { LedgerPort } from '../ledger-port.js';
import { contractRuntime } from './contract-runtime.js';
import { createIdentity, readNodeCertificate } from './identities.js';
import {
  type LedgerPaths,
  openLedgerDbReadonly,
  prepareReadStatements,
  resolveLedgerPaths,
} from './ledger-db.js';
import { simulateTransaction } from './simulate-transaction.js';
import { dbStateReader } from './state-reader.js';
import { verifyLedgerDb } from './verify-ledger.js';
import type { LedgerVerifyOptions, LedgerVerifyReport } from './verify-report.js';

/**
 * The embedded ledger opened for reading only (provenance, shipment lists, verification): the database is
 * opened read-only and nothing is created — no identities, no files. Queries run the contract in-process
 * against committed state exactly as `evaluate` on the writer does, as a query identity made in memory
 * (queries check no org; nothing is signed or submitted). `submit` is refused.
 */
export interface LedgerReader {
  readonly paths: LedgerPaths;
  readonly port: LedgerPort;
  verify(options?: LedgerVerifyOptions): Promise<LedgerVerifyReport>;
  /** Idempotent. */
  close(): Promise<void>;
}

const QUERY_MSP = 'ColdtrailQueryMSP';

export async function openLedgerReader(path: string): Promise<LedgerReader> {
  const paths = resolveLedgerPaths(path);
  const db = openLedgerDbReadonly(paths);
  try {
    const [runtime, identity] = await Promise.all([
      contractRuntime(),
      createIdentity(`CN=query@${QUERY_MSP}, O=${QUERY_MSP}, OU=client`),
    ]);
    const sim = {
      runtime,
      reader: dbStateReader(prepareReadStatements(db)),
      now: () => Date.now(),
      channel: 'coldtrail',
      peerMspId: 'EmbeddedNodeMSP',
    };
    let closed = false;
    const open = () => {
      if (closed) throw new ColdtrailError(ErrorCode.Unavailable, 'the ledger reader is closed');
    };
    return {
      paths,
      port: {
        async submit(fn) {
          throw new ColdtrailError(
            ErrorCode.Forbidden,
            `${fn} changes the ledger, and this ledger is open for reading only`,
          );
        },
        async evaluate(fn, args) {
          open();
          return (await simulateTransaction(sim, QUERY_MSP, identity, fn, args)).result;
        },
        async close() {},
      },
      async verify(options) {
        open();
        return verifyLedgerDb(db, await readNodeCertificate(paths.keysDir), options);
      },
      async close() {
        if (closed) return;
        closed = true;
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
