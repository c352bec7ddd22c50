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
import { emptyEvidence, recordingReader, type StateEvidence } from './state-evidence.js';
import { dbStateReader } from './state-reader.js';
import { loadCreatorTrust } from './verify-creator.js';
import { type EvidenceVerifier, evidenceVerifier } from './verify-evidence.js';
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
  /** The full replay (`ledger verify`): every block, transaction, MVCC code, the whole state and history. */
  verify(options?: LedgerVerifyOptions): Promise<LedgerVerifyReport>;
  /**
   * Runs `fn` inside one read transaction of the ledger: every query through `session.port` reads the same
   * snapshot, and `session.verifyEvidence` checks the block chain and exactly the state those queries used
   * (verify-evidence.ts) in that snapshot, without replaying the ledger. Sessions are serialised.
   */
  snapshot<T>(fn: (session: LedgerSession) => Promise<T>): Promise<T>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface LedgerSession {
  port: LedgerPort;
  verifyEvidence(options?: LedgerVerifyOptions): Promise<LedgerVerifyReport & { stateValues: number }>;
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
    let evidence: StateEvidence | undefined;
    const sim = {
      runtime,
      // Outside a snapshot nothing is verified against what was read, so it is noted nowhere.
      reader: recordingReader(dbStateReader(prepareReadStatements(db)), () => evidence ?? emptyEvidence()),
      now: () => Date.now(),
      channel: 'coldtrail',
      peerMspId: 'EmbeddedNodeMSP',
    };
    let closed = false;
    const open = () => {
      if (closed) throw new ColdtrailError(ErrorCode.Unavailable, 'the ledger reader is closed');
    };
    let sessions: Promise<void> = Promise.resolve();
    const port: LedgerPort = {
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
    };
    return {
      paths,
      port,
      async verify(options) {
        open();
        const creators = await loadCreatorTrust(paths.keysDir);
        return verifyLedgerDb(db, await readNodeCertificate(paths.keysDir), options, creators);
      },
      snapshot(fn) {
        open();
        const run = sessions.then(async () => {
          open();
          const mine = emptyEvidence();
          db.exec('BEGIN');
          evidence = mine;
          // One verifier per snapshot: an answer that asks several times (a lot, pallet by pallet) checks the
          // blocks once and each later call only what was read since.
          let verifier: Promise<EvidenceVerifier> | undefined;
          try {
            return await fn({
              port,
              verifyEvidence: async (options) => {
                verifier ??= (async () =>
                  evidenceVerifier(
                    db,
                    await readNodeCertificate(paths.keysDir),
                    await loadCreatorTrust(paths.keysDir),
                  ))();
                return (await verifier)(mine, options);
              },
            });
          } finally {
            evidence = undefined;
            db.exec('COMMIT');
          }
        });
        sessions = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
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
