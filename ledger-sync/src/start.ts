import { resolve } from 'node:path';
import {
  type Clock,
  ColdtrailError,
  createLifecycle,
  type Env,
  ErrorCode,
  type Lifecycle,
  opening,
  systemClock,
  type TimerClock,
} from '@coldtrail/core';
import { type Anchorer, createAnchorer } from './anchoring.js';
import { type LedgerSyncConfig, type LedgerSyncConfigInput, parseLedgerSyncConfig } from './config.js';
import { lockDataDir } from './data-dir-lock.js';
import { openDefaultLedger } from './default-ledger.js';
import { createLedgerDirectory } from './device-directory.js';
import { type AnnounceExcursions, type ExcursionListener, excursionAnnouncer } from './excursion-alarms.js';
import { autoQuarantine } from './excursion-quarantine.js';
import { createIngest } from './ingest.js';
import type { DeviceDirectory, IngestPort } from './ingest-port.js';
import { createLedgerClient } from './ledger/index.js';
import type { LedgerPort } from './ledger-port.js';
import type { DeviceEntry, LedgerClient, ShipmentEntry } from './ledger-types.js';
import { createLiveExcursions } from './live-excursions.js';
import { type Log, stderrLog } from './log.js';
import { type ProvenanceOptions, type ProvenanceReport, provenance } from './provenance.js';
import type { ReadingStore, StoreStats } from './reading-store.js';
import { type CompletedShipment, completeShipment } from './shipment-completion.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';
import type { LedgerVerifier } from './verification.js';

export interface LedgerSyncDeps {
  /** The ledger; default: the embedded ledger in dataDir (then also its block-chain verifier). */
  ledger?: LedgerPort;
  /** The ledger's integrity check for provenance's `ledger` check. */
  verifyLedger?: LedgerVerifier;
  /** The reading store; default: SQLite at dataDir/readingsFile. */
  store?: ReadingStore;
  /** Transaction, block and evaluation times (simulated in the demo); default the system clock. */
  clock?: Clock;
  /** Timers: anchoring retries, the embedded ledger's block timeout. Never scaled; default the system clock. */
  timers?: TimerClock;
  /** Where `COLDTRAIL_LEDGER_SYNC_<KEY>` overrides come from; default process.env. */
  env?: Env;
  log?: Log;
  /** Told of every excursion recorded on the ledger, in transit or at completion (the server's `.../alarms`). */
  onExcursion?: ExcursionListener;
}

export type ShipmentInput = Omit<
  ShipmentEntry,
  'custodian' | 'toSeq' | 'status' | 'createdAt' | 'completedAt' | 'fromSeq'
> & {
  /** First device seq of the shipment; default: the device's next seq not yet stored. */
  fromSeq?: number;
};

export interface LedgerSyncHandle {
  /** For the broker's ingest hook. */
  ingest: IngestPort;
  /** For the broker's device authentication. */
  directory: DeviceDirectory;
  ledger: LedgerClient;
  /** The ledger port itself, for contract functions `ledger` does not wrap (the CLI's custody hand-over). */
  port: LedgerPort;
  registerDevice(device: { id: string; publicKey: string }): Promise<DeviceEntry>;
  /** Revokes the device on the ledger; from then on `directory` refuses it. */
  revokeDevice(id: string, reason?: string | null): Promise<DeviceEntry>;
  createShipment(shipment: ShipmentInput): Promise<ShipmentEntry>;
  /**
   * Anchors up to toSeq (default: what is stored of the device), evaluates the excursions and completes the
   * shipment on the ledger with them, in one transaction; `reason` says why it was closed by hand.
   */
  completeShipment(sscc: string, toSeq?: number, options?: { reason?: string }): Promise<CompletedShipment>;
  provenance(sscc: string, options?: ProvenanceOptions): Promise<ProvenanceReport>;
  storedUpTo(device: string): Promise<number>;
  /** Resolves (with the stored seq) once the device's readings up to `seq` are stored. */
  waitForStored(device: string, seq: number, signal?: AbortSignal): Promise<number>;
  /** Anchors the device's readings up to `upToSeq` now (the last window partial). */
  anchorPending(device: string, upToSeq: number): Promise<number>;
  stats(): Promise<StoreStats>;
  /** Resolves when the background anchoring queued so far has run (retries waiting on a timer excepted). */
  idle(): Promise<void>;
  /** Idempotent; closes what start() opened (not the ledger or store passed in deps). */
  close(): Promise<void>;
}

/**
 * Starts ledger-sync: the reading store, the ingest the broker calls, background anchoring, excursion
 * evaluation at shipment completion and provenance queries.
 */
export async function start(
  configInput: LedgerSyncConfigInput,
  deps: LedgerSyncDeps = {},
): Promise<LedgerSyncHandle> {
  const config = parseLedgerSyncConfig(configInput, deps.env);
  const time = { clock: deps.clock ?? systemClock, timers: deps.timers ?? systemClock };
  const log = deps.log ?? stderrLog;
  // Closed newest first: anchoring, the store, the ledger, and last the data dir lock.
  const life = createLifecycle();
  return opening(life, async () => {
    // One writer per data dir: taken before anything is opened, released after everything is closed.
    if (!deps.ledger || !deps.store) {
      const lock = lockDataDir(resolve(config.dataDir));
      life.defer('data dir lock', () => lock.release());
    }
    let port = deps.ledger;
    let verifyLedger = deps.verifyLedger;
    if (!port) {
      const embedded = life.add('ledger', await openDefaultLedger(config, time.clock, time.timers));
      port = embedded.port;
      verifyLedger ??= embedded.verify;
    }
    const store =
      deps.store ??
      life.add('reading store', SqliteReadingStore.open(resolve(config.dataDir, config.readingsFile)));
    const quarantine = config.autoQuarantine ? autoQuarantine(port, log) : undefined;
    const listeners = [quarantine, deps.onExcursion].filter((l) => l !== undefined);
    const announce = excursionAnnouncer(
      listeners.length === 0
        ? undefined
        : async (alarm) => {
            await Promise.all(listeners.map(async (l) => l(alarm)));
          },
      log,
    );
    return assemble(
      config,
      createLedgerClient(port),
      store,
      verifyLedger,
      { ...time, log, announce },
      life,
      port,
    );
  });
}

function assemble(
  config: LedgerSyncConfig,
  ledger: LedgerClient,
  store: ReadingStore,
  verifyLedger: LedgerVerifier | undefined,
  {
    clock,
    timers,
    log,
    announce,
  }: { clock: Clock; timers: TimerClock; log: Log; announce: AnnounceExcursions },
  life: Lifecycle,
  port: LedgerPort,
): LedgerSyncHandle {
  const directory = createLedgerDirectory(ledger);
  const anchorer = createAnchorer({
    store,
    ledger,
    window: config.anchorWindow,
    retryMs: config.anchorRetryMs,
    timers,
    log,
  });
  const live = config.liveExcursions
    ? createLiveExcursions({ ledger, store, anchorer, log, announce })
    : undefined;
  const waiters = new Set<(device: string, seq: number) => void>();
  const ingest = createIngest({
    store,
    directory,
    clock,
    log,
    onStored: (device, head) => {
      anchorer.notify(device);
      live?.notify(device);
      for (const w of waiters) w(device, head.seq);
    },
  });
  const resumed = config.resumeAnchoring ? resumeAnchoring(store, anchorer, log) : Promise.resolve();
  life.defer('anchoring', async () => {
    await resumed;
    live?.close();
    await anchorer.close();
    // Alarms and automatic quarantines of excursions already recorded go out before the ledger closes.
    await announce.settled();
  });

  return {
    ingest,
    directory,
    ledger,
    port,
    async registerDevice(device) {
      const entry = await ledger.registerDevice(device);
      directory.remember(entry);
      return entry;
    },
    async revokeDevice(id, reason) {
      // The contract anchors no reading of a revoked device, so refuse the device's batches from now on,
      // anchor everything stored before the revocation (a shipment it carries can then still be completed
      // with what was stored), and only then revoke. A ledger that cannot take the anchors does not delay
      // the revocation: a stolen device is shut out first.
      const current = await ledger.getDevice(id);
      if (current && current.status !== 'revoked') {
        directory.remember({ ...current, status: 'revoked' });
        const stored = (await store.head(id)).seq;
        if (stored > 0) {
          await anchorer
            .exclusive(id, (anchorPending) => anchorPending(stored))
            .catch((err: unknown) =>
              log.warn('revoke-anchor-failed', {
                device: id,
                storedUpTo: stored,
                error: (err as Error).message,
              }),
            );
        }
      }
      const entry = await ledger.revokeDevice(id, reason ?? null);
      directory.remember(entry);
      return entry;
    },
    async createShipment({ fromSeq, ...rest }) {
      const first = fromSeq ?? (await store.head(rest.device)).seq + 1;
      return ledger.createShipment({ ...rest, fromSeq: first });
    },
    completeShipment: (sscc, toSeq, options) =>
      completeShipment({ ledger, store, anchorer, clock, log, announce }, sscc, {
        ...(toSeq === undefined ? {} : { toSeq }),
        ...(options?.reason === undefined ? {} : { reason: options.reason }),
      }),
    provenance: (sscc, options) =>
      provenance({ ledger, store, ...(verifyLedger ? { verifyLedger } : {}) }, sscc, options),
    storedUpTo: async (device) => (await store.head(device)).seq,
    waitForStored(device, seq, signal) {
      return new Promise((resolveWait, reject) => {
        const done = (err?: unknown, at?: number) => {
          waiters.delete(onStored);
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolveWait(at as number);
        };
        const onStored = (d: string, at: number) => {
          if (d === device && at >= seq) done(undefined, at);
        };
        const onAbort = () => done(signal?.reason ?? new ColdtrailError(ErrorCode.Timeout, 'wait aborted'));
        if (signal?.aborted) return onAbort();
        waiters.add(onStored);
        signal?.addEventListener('abort', onAbort, { once: true });
        store.head(device).then(
          (h) => onStored(device, h.seq),
          (err: unknown) => done(err),
        );
      });
    },
    anchorPending: (device, upToSeq) => anchorer.anchorPending(device, upToSeq),
    stats: () => store.stats(),
    idle: async () => {
      await resumed;
      await anchorer.idle();
    },
    close: () => life.close(),
  };
}

/** Windows stored before a restart get anchored now, in the background. */
function resumeAnchoring(store: ReadingStore, anchorer: Anchorer, log: Log): Promise<void> {
  return store.stats().then(
    (s) => {
      for (const d of s.devices) anchorer.notify(d.device);
    },
    (err: unknown) => log.error('could not resume anchoring', { error: String(err) }),
  );
}
