import { resolve } from 'node:path';
import type { Clock, TimerClock } from '@coldtrail/core';
import type { LedgerSyncConfig } from './config.js';
import { openEmbeddedLedger } from './ledger/index.js';
import type { LedgerPort } from './ledger-port.js';
import type { LedgerVerifier } from './verification.js';

export interface OpenedLedger {
  port: LedgerPort;
  verify: LedgerVerifier;
  /** Closes the ledger itself (the port only stops taking calls). */
  close(): Promise<void>;
}

/**
 * The default ledger: the embedded single-node ledger in the data directory (DESIGN §3), acting as the
 * configured org, with tx and block times from `clock` (simulated time in the demo) and its block timeout on
 * `timers` (default the system clock).
 */
export async function openDefaultLedger(
  config: LedgerSyncConfig,
  clock: Clock,
  timers?: TimerClock,
): Promise<OpenedLedger> {
  const path = resolve(config.dataDir, config.ledgerPath);
  const ledger = await openEmbeddedLedger({ path, clock, ...(timers ? { timers } : {}) });
  return {
    port: ledger.port(config.org),
    verify: (options) => ledger.verify(options),
    close: () => ledger.close(),
  };
}
