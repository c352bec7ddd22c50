import { join } from 'node:path';
import { type Batch, hashRecord, isColdtrailError, manualClock, merkleRoot } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Anchorer, createAnchorer } from './anchoring.js';
import { createLedgerDirectory } from './device-directory.js';
import {
  batchOf,
  ORG,
  payload,
  recordStream,
  type TestDevice,
  tempDir,
  testDevice,
  testLedger,
} from './fixtures.test-kit.js';
import { createIngest } from './ingest.js';
import type { IngestPort } from './ingest-port.js';
import type { AnchorEntry, LedgerClient } from './ledger-types.js';
import { type Log, silentLog } from './log.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';

describe('anchoring', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteReadingStore;
  let ledger: Awaited<ReturnType<typeof testLedger>>;
  let device: TestDevice;
  let stream: ReturnType<typeof recordStream>;
  let anchorer: Anchorer;
  let ingest: IngestPort;
  let errors: Record<string, unknown>[];

  function setup(client: LedgerClient, window: number) {
    const log: Log = { ...silentLog, error: (_m, f) => errors.push(f ?? {}) };
    anchorer = createAnchorer({ store, ledger: client, window, retryMs: 5, log });
    ingest = createIngest({
      store,
      directory: createLedgerDirectory(client),
      log,
      onStored: (d) => anchorer.notify(d),
    });
  }
  const send = async (n: number) => {
    const b: Batch = await batchOf(stream.next(n), device.signer);
    expect((await ingest.ingest(ORG, device.id, payload(b))).status).toBe('stored');
  };
  const onLedger = async () =>
    (await ledger.client.anchors(device.id, 1, 1e6)).map((a) => [a.fromSeq, a.toSeq, a.count]);

  beforeEach(async () => {
    dir = tempDir();
    store = SqliteReadingStore.open(join(dir.path, 'readings.db'));
    ledger = await testLedger(dir.path);
    device = testDevice('dev-1');
    await ledger.client.registerDevice({ id: device.id, publicKey: device.publicKey });
    stream = recordStream(device.id);
    errors = [];
  });
  afterEach(async () => {
    await anchorer?.close();
    await ledger.ledger.close();
    await store.close();
    dir.cleanup();
  });

  it('anchors contiguous full windows as readings arrive, and the last partial window on demand', async () => {
    setup(ledger.client, 4);
    await send(3);
    await send(3);
    await send(4);
    await anchorer.idle();
    expect(await onLedger()).toEqual([
      [1, 4, 4],
      [5, 8, 4],
    ]);
    expect(await anchorer.anchorPending(device.id, 10)).toBe(10);
    await send(5);
    await anchorer.idle();
    expect(await onLedger()).toEqual([
      [1, 4, 4],
      [5, 8, 4],
      [9, 10, 2],
      [11, 14, 4],
    ]);
    for (const a of await ledger.client.anchors(device.id, 1, 14)) {
      const hashes = stream.all.slice(a.fromSeq - 1, a.toSeq).map(hashRecord);
      expect(a.root).toBe(merkleRoot(hashes));
    }
    expect((await store.stats()).devices).toEqual([{ device: 'dev-1', storedUpTo: 15, anchoredUpTo: 14 }]);
    expect(errors).toEqual([]);
  });

  it('refuses to anchor readings not stored yet', async () => {
    setup(ledger.client, 4);
    await send(2);
    const err = await anchorer.anchorPending(device.id, 3).catch((e: unknown) => e);
    expect(isColdtrailError(err, 'CONFLICT')).toBe(true);
  });

  it('retries a failed submission and resumes from the ledger after a restart', async () => {
    let failures = 1;
    const flaky: LedgerClient = {
      ...ledger.client,
      anchorReadings: (a) =>
        failures-- > 0 ? Promise.reject(new Error('ledger unavailable')) : ledger.client.anchorReadings(a),
    };
    const anchored: AnchorEntry[] = [];
    const first = new Promise<void>((resolve) => {
      anchorer = createAnchorer({
        store,
        ledger: flaky,
        window: 4,
        retryMs: 5,
        log: { ...silentLog, error: (_m, f) => errors.push(f ?? {}) },
        onAnchored: (a) => {
          anchored.push(a);
          resolve();
        },
      });
    });
    ingest = createIngest({
      store,
      directory: createLedgerDirectory(ledger.client),
      log: silentLog,
      onStored: (d) => anchorer.notify(d),
    });
    await send(5);
    await first;
    expect(errors).toEqual([expect.objectContaining({ device: 'dev-1', attempt: 1, retry: true })]);
    expect(anchored.map((a) => [a.fromSeq, a.toSeq])).toEqual([[1, 4]]);
    await anchorer.close();

    // A new process: the ledger already holds 1-4 (say the local note was lost); it continues at 5.
    anchorer = createAnchorer({ store, ledger: ledger.client, window: 4, log: silentLog });
    expect(await anchorer.anchoredUpTo(device.id)).toBe(4);
    expect(await anchorer.anchorPending(device.id, 5)).toBe(5);
    expect(await onLedger()).toEqual([
      [1, 4, 4],
      [5, 5, 1],
    ]);
  });

  it('waits out the retry delay on its timers, doubling it after each failure', async () => {
    const timers = manualClock(0);
    let failures = 2;
    const flaky: LedgerClient = {
      ...ledger.client,
      anchorReadings: (a) =>
        failures-- > 0 ? Promise.reject(new Error('ledger unavailable')) : ledger.client.anchorReadings(a),
    };
    const anchored: AnchorEntry[] = [];
    anchorer = createAnchorer({
      store,
      ledger: flaky,
      window: 4,
      retryMs: 1_000,
      timers,
      log: { ...silentLog, error: (_m, f) => errors.push(f ?? {}) },
      onAnchored: (a) => anchored.push(a),
    });
    ingest = createIngest({
      store,
      directory: createLedgerDirectory(ledger.client),
      log: silentLog,
      onStored: (d) => anchorer.notify(d),
    });
    const failed = async (attempt: number) => {
      await expect.poll(() => errors.length).toBe(attempt);
      expect(errors.at(-1)).toMatchObject({ attempt, retry: true });
      expect(timers.pending()).toBe(1); // the retry, waiting for its time
    };
    await send(4);
    await failed(1);
    timers.advance(999);
    expect(timers.pending()).toBe(1);
    timers.advance(1);
    await failed(2);
    timers.advance(1_999); // twice the first delay
    expect(timers.pending()).toBe(1);
    timers.advance(1);
    await expect.poll(() => anchored.length).toBe(1);
    expect(timers.pending()).toBe(0);
    expect(await onLedger()).toEqual([[1, 4, 4]]);
  });

  it('never anchors a reading changed at rest since ingest', async () => {
    setup(ledger.client, 4);
    await send(3);
    const db = new Database(join(dir.path, 'readings.db'));
    db.exec("UPDATE readings SET value = 3 WHERE device = 'dev-1' AND seq = 2");
    db.close();
    await send(1);
    await anchorer.idle();
    expect(await onLedger()).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ device: 'dev-1', retry: false })]);
    expect(String(errors[0]?.error)).toMatch(/#2 is missing or changed/);
  });
});
