import { resolve } from 'node:path';
import { type Clock, ColdtrailError, ErrorCode, type TimerClock } from '@coldtrail/core';
import type { LedgerSyncConfig } from './config.js';
import { loadFabricConnection } from './fabric/fabric-config.js';
import { openFabricLedger } from './fabric/fabric-ledger.js';
import { openEmbeddedLedger } from './ledger/index.js';
import type { LedgerPort } from './ledger-port.js';
import { LEDGER_SELECTION_FILE, readLedgerSelection } from './ledger-selection.js';
import type { LedgerVerifier } from './verification.js';

export interface OpenedLedger {
  port: LedgerPort;
  /**
   * The ledger's own integrity check, for a ledger whose blocks are held here. Absent for Fabric: its peers
   * validate every block (endorsement policy, creator signatures, MVCC) before they commit it, and this
   * client holds no block store to replay, so provenance answers report the `ledger` and `tip` checks as
   * skipped (verify-ledger-checks.ts) rather than claiming a check that was not made.
   */
  verify?: LedgerVerifier;
  /** Closes the ledger itself (the port only stops taking calls). */
  close(): Promise<void>;
}

/**
 * The ledger `config.ledger` selects. `embedded` (the default): the embedded single-node ledger in the data
 * directory (DESIGN §3), acting as the configured org, with tx and block times from `clock` (simulated time
 * in the demo) and its block timeout on `timers` (default the system clock). `fabric`: a Fabric network
 * through the gateway peer of `config.fabricConnection`, acting as that file's identity (whose mspId must be
 * `config.org`); block times are the network's.
 */
export async function openDefaultLedger(
  config: LedgerSyncConfig,
  clock: Clock,
  timers?: TimerClock,
): Promise<OpenedLedger> {
  if (config.ledger === 'fabric') return openConfiguredFabric(config);
  const recorded = readLedgerSelection(config.dataDir);
  if (recorded.ledger === 'fabric') {
    // An embedded ledger made here would hold what belongs on Fabric, and the reads would never see it.
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `the data dir ${config.dataDir} records Fabric as its ledger (${LEDGER_SELECTION_FILE}, through ${recorded.fabricConnection}), not the embedded one: select ledger fabric with that connection file`,
    );
  }
  const path = resolve(config.dataDir, config.ledgerPath);
  const ledger = await openEmbeddedLedger({ path, clock, ...(timers ? { timers } : {}) });
  return {
    port: ledger.port(config.org),
    verify: (options) => ledger.verify(options),
    close: () => ledger.close(),
  };
}

async function openConfiguredFabric(config: LedgerSyncConfig): Promise<OpenedLedger> {
  // The schema requires fabricConnection when ledger is fabric.
  const connection = loadFabricConnection(resolve(config.dataDir, config.fabricConnection as string));
  if (connection.mspId !== config.org) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `org ${config.org} is not the Fabric identity's org: ${connection.source} signs as mspId ${connection.mspId}; set org to ${connection.mspId} or use that org's certificate and key`,
    );
  }
  const ledger = openFabricLedger(connection);
  return { port: ledger, close: () => ledger.close() };
}
