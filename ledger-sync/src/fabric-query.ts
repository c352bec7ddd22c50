/**
 * The read-only query (query.ts) of a data directory whose ledger is Hyperledger Fabric (ledger-selection.ts):
 * ledger state comes from the gateway peer of the recorded connection file through Evaluate only — the port
 * the ledger client gets refuses submit, so a read can never become a transaction — and the readings come
 * from the data directory's store, opened read-only. No block store is held here, so provenance reports the
 * `ledger` and `tip` checks as skipped (verify-ledger-checks.ts: the peers validate every block before they
 * commit it) and the commands that need blocks (verify, export-tip) are refused with where the blocks are.
 * Each evaluation reads the peer's state as it is then: unlike the embedded query, one answer is not one
 * snapshot of the ledger.
 */
import { resolve } from 'node:path';
import { ColdtrailError, ErrorCode, isColdtrailError } from '@coldtrail/core';
import { type FabricConnection, loadFabricConnection } from './fabric/fabric-config.js';
import { openFabricLedger } from './fabric/fabric-ledger.js';
import { createLedgerClient } from './ledger/index.js';
import type { LedgerPort } from './ledger-port.js';
import { ledgerSelectionFile, refuseOnFabric } from './ledger-selection.js';
import { provenance } from './provenance.js';
import type { LedgerSyncQuery, QueryConfig } from './query.js';
import { queryBase } from './query-common.js';
import { proveReading } from './reading-proof.js';
import { subjectProvenance } from './subject-provenance.js';

const NO_BLOCKS_HERE =
  'the ledger is a Fabric network: its peers validate each block (endorsement policy, creator signatures, MVCC) before they commit it, and no block store is held here to check';

export async function openFabricQuery(
  config: QueryConfig,
  fabricConnection: string,
): Promise<LedgerSyncQuery> {
  const dataDir = resolve(config.dataDir);
  const fabric = openFabricLedger(recordedConnection(dataDir, fabricConnection));
  const readOnly: LedgerPort = {
    evaluate: (fn, args) => fabric.evaluate(fn, args),
    // A programming error, not a user's: every query function evaluates.
    submit: (fn) => Promise.reject(new Error(`a query never submits (asked to submit ${fn})`)),
    close: () => fabric.close(),
  };
  const ledger = createLedgerClient(readOnly);
  const base = queryBase(dataDir, config.readingsFile, ledger);
  const { readings } = base;
  const refuse = (what: string) => async (): Promise<never> => {
    refuseOnFabric(dataDir, what);
    throw new ColdtrailError(ErrorCode.InvalidInput, `${what}: ${NO_BLOCKS_HERE}`);
  };
  return {
    provenance(sscc, options) {
      if (options?.expectTip) return Promise.reject(expectTipOnFabric(dataDir));
      const s = readings();
      return s.readSnapshot(() => provenance({ ledger, store: s }, sscc, options));
    },
    subjectProvenance(subject, options) {
      if (options?.expectTip) return Promise.reject(expectTipOnFabric(dataDir));
      const s = readings();
      return s.readSnapshot(() => subjectProvenance({ ledger, store: s }, subject, options));
    },
    proveReading(device, seq) {
      const s = readings();
      const verifyLedger = async () => ({ ok: true, tip: null, problems: [], skipped: NO_BLOCKS_HERE });
      return s.readSnapshot(() => proveReading({ ledger, store: s, verifyLedger }, device, seq));
    },
    ...base.answers,
    verifyLedger: refuse('`coldtrail ledger verify`'),
    exportTip: refuse('`coldtrail ledger export-tip`'),
    async close() {
      if (await base.close()) await fabric.close();
    },
  };
}

/** `--expect-tip` on a Fabric data dir: a check asked for must not come back as a silent skip. */
function expectTipOnFabric(dataDir: string): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.InvalidInput,
    `--expect-tip checks the tip of an embedded ledger: this data dir's ledger is Fabric (${ledgerSelectionFile(dataDir)}), whose peers validate every block; drop --expect-tip`,
  );
}

/** The recorded connection file, with what to do when it is gone or no longer valid. */
function recordedConnection(dataDir: string, file: string): FabricConnection {
  try {
    return loadFabricConnection(file);
  } catch (err) {
    if (!isColdtrailError(err)) throw err;
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `this data dir's ledger is Fabric through ${file} (${ledgerSelectionFile(dataDir)}), which cannot be used: ${err.message}; restore that file, or start the server once with --ledger fabric --fabric-connection FILE to record another`,
      { cause: err },
    );
  }
}
