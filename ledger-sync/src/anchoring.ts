import {
  ColdtrailError,
  ErrorCode,
  hashRecord,
  merkleRoot,
  systemClock,
  type TimerClock,
} from '@coldtrail/core';
import { KeyedQueue } from './keyed-queue.js';
import type { AnchorEntry, LedgerClient } from './ledger-types.js';
import { type Log, stderrLog } from './log.js';
import type { ReadingStore } from './reading-store.js';

export interface AnchorerOptions {
  store: ReadingStore;
  ledger: Pick<LedgerClient, 'anchorReadings' | 'anchoredUpTo'>;
  /** Records per anchor window. */
  window: number;
  /** First retry delay after a failed submission (ms of `timers`); doubles up to a minute. */
  retryMs?: number;
  /** Runs the retry delays: the system clock by default (never a simulation's), a `manualClock` in tests. */
  timers?: TimerClock;
  log?: Log;
  /** Called after each anchor is committed on the ledger. */
  onAnchored?: (anchor: AnchorEntry) => void;
}

export interface Anchorer {
  /** Anchors every full window stored beyond the last anchor, in the background; failures are retried. */
  notify(device: string): void;
  /** Anchors everything up to `upToSeq` now, the last window partial if need be. Returns the anchored seq. */
  anchorPending(device: string, upToSeq: number): Promise<number>;
  anchoredUpTo(device: string): Promise<number>;
  /**
   * Runs `task` while no anchoring runs for the device, handing it the `anchorPending` to use inside (the
   * outer one would wait for the task). A ledger transaction that reads the device's anchor head (completing
   * a shipment) must not race an anchor that moves it, or MVCC invalidates it.
   */
  exclusive<T>(
    device: string,
    task: (anchorPending: (upToSeq: number) => Promise<number>) => Promise<T>,
  ): Promise<T>;
  /** Resolves when no anchoring is running or queued (retries waiting on their timer excepted). */
  idle(): Promise<void>;
  /** Stops retries and waits for running work. Idempotent. */
  close(): Promise<void>;
}

const MAX_RETRY_MS = 60_000;

/**
 * Per-window Merkle anchors (DESIGN §2.7): windows of `window` records follow each other with no gap or
 * overlap, each starting right after the device's last anchor, so ledger load grows with windows, not
 * readings. Runs off the ingest's PUBACK path and one device at a time. The ledger's anchoredUpTo is the
 * source of truth (a submission whose answer was lost may still have committed); it is cached between runs.
 */
export function createAnchorer(options: AnchorerOptions): Anchorer {
  const { store, ledger, window } = options;
  if (!Number.isSafeInteger(window) || window < 1) throw new RangeError('anchor window must be >= 1');
  const log = options.log ?? stderrLog;
  const retryMs = options.retryMs ?? 5_000;
  const timers = options.timers ?? systemClock;
  const queue = new KeyedQueue();
  const anchored = new Map<string, number>();
  const failures = new Map<string, number>();
  const stop = new AbortController();
  let closed = false;

  const upTo = async (device: string): Promise<number> => {
    const cached = anchored.get(device);
    if (cached !== undefined) return cached;
    const fromLedger = await ledger.anchoredUpTo(device);
    if (!Number.isSafeInteger(fromLedger) || fromLedger < 0) {
      throw new ColdtrailError(
        ErrorCode.Corrupted,
        `ledger answered anchoredUpTo ${fromLedger} for ${device}`,
      );
    }
    anchored.set(device, fromLedger);
    return fromLedger;
  };

  const anchorWindow = async (device: string, fromSeq: number, toSeq: number): Promise<void> => {
    const records = await store.records(device, fromSeq, toSeq);
    const stored = await store.recordHashes(device, fromSeq, toSeq);
    const hashes = records.map((r) => hashRecord(r.record));
    // Re-hash from the stored fields: never anchor a row that changed since it was verified.
    const bad = records.findIndex((r, i) => r.record.seq !== fromSeq + i || stored[i]?.hash !== hashes[i]);
    if (bad >= 0 || records.length !== toSeq - fromSeq + 1) {
      throw new ColdtrailError(
        ErrorCode.Corrupted,
        `cannot anchor ${device}#${fromSeq}-${toSeq}: stored reading #${fromSeq + (bad >= 0 ? bad : records.length)} is missing or changed since ingest`,
      );
    }
    anchored.delete(device); // until the ledger confirms, its answer decides
    const entry = await ledger.anchorReadings({
      device,
      fromSeq,
      toSeq,
      root: merkleRoot(hashes),
      count: hashes.length,
    });
    anchored.set(device, toSeq);
    await store.saveAnchor({
      device,
      fromSeq,
      toSeq,
      root: entry.root,
      txId: entry.txId,
      anchoredAt: entry.anchoredAt,
    });
    log.info('readings anchored', { device, fromSeq, toSeq, txId: entry.txId });
    options.onAnchored?.(entry);
  };

  /** Anchors full windows, then (with `partialUpTo`) the rest up to that seq. */
  const run = async (device: string, partialUpTo?: number): Promise<number> => {
    const stored = (await store.head(device)).seq;
    if (partialUpTo !== undefined && partialUpTo > stored) {
      throw new ColdtrailError(
        ErrorCode.Conflict,
        `${device} is stored up to #${stored}; #${partialUpTo} cannot be anchored until its readings arrive`,
      );
    }
    let from = (await upTo(device)) + 1;
    while (from + window - 1 <= stored) {
      await anchorWindow(device, from, from + window - 1);
      from += window;
    }
    if (partialUpTo !== undefined && partialUpTo >= from) {
      await anchorWindow(device, from, partialUpTo);
      from = partialUpTo + 1;
    }
    return from - 1;
  };

  const notify = (device: string): void => {
    if (closed) return;
    queue
      .run(device, () => run(device))
      .then(
        () => failures.delete(device),
        (err: unknown) => {
          const n = (failures.get(device) ?? 0) + 1;
          failures.set(device, n);
          const corrupted = err instanceof ColdtrailError && err.code === ErrorCode.Corrupted;
          log.error('anchoring failed', { device, attempt: n, error: String(err), retry: !corrupted });
          if (corrupted || closed) return;
          const delay = Math.min(retryMs * 2 ** (n - 1), MAX_RETRY_MS);
          void timers.sleep(delay, stop.signal).then(() => notify(device));
        },
      );
  };

  return {
    notify,
    anchorPending: (device, upToSeq) => queue.run(device, () => run(device, upToSeq)),
    exclusive: (device, task) => queue.run(device, () => task((upToSeq) => run(device, upToSeq))),
    anchoredUpTo: (device) => queue.run(device, () => upTo(device)),
    idle: () => queue.idle(),
    async close() {
      closed = true;
      stop.abort();
      await queue.idle();
    },
  };
}
