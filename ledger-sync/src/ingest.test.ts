import { join } from 'node:path';
import {
  type Batch,
  hashRecord,
  MAX_ACK_REFUSALS,
  MAX_BATCH_BYTES,
  type ReadingRecord,
} from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestPortContract } from '../../core/src/ingest-port.contract.js';
import { batchOf, payload, recordStream, type TestDevice, tempDir, testDevice } from './fixtures.test-kit.js';
import { createIngest } from './ingest.js';
import type { DeviceDirectory, IngestPort } from './ingest-port.js';
import { type Log, silentLog } from './log.js';
import type { ReadingStore } from './reading-store.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';

const ORG = 'Org1MSP';

ingestPortContract('createIngest over a SqliteReadingStore file', async (directory) => {
  const tmp = tempDir();
  const path = join(tmp.path, 'readings.db');
  let store = SqliteReadingStore.open(path);
  const make = () => createIngest({ store, directory, log: silentLog });
  return {
    ingest: make(),
    async reopen() {
      await store.close();
      store = SqliteReadingStore.open(path);
      return make();
    },
    async close() {
      await store.close();
      tmp.cleanup();
    },
  };
});

describe('ingest', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteReadingStore;
  let device: TestDevice;
  let directory: DeviceDirectory;
  let warnings: Record<string, unknown>[];
  let stored: number[];
  let ingest: IngestPort;
  const log: Log = { info() {}, warn: (_m, f) => warnings.push(f ?? {}), error() {} };

  beforeEach(() => {
    dir = tempDir();
    store = SqliteReadingStore.open(join(dir.path, 'readings.db'));
    device = testDevice('dev-1');
    const known = new Map([[device.id, { device: device.id, org: ORG, publicKey: device.publicKey }]]);
    directory = { lookup: async (d) => known.get(d) };
    warnings = [];
    stored = [];
    ingest = make(store);
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  function make(s: ReadingStore, dirOverride = directory): IngestPort {
    return createIngest({
      store: s,
      directory: dirOverride,
      log,
      clock: { now: () => Date.parse('2026-01-05T08:00:00.000Z'), sleep: async () => {} },
      onStored: (_d, head) => stored.push(head.seq),
    });
  }
  const send = (b: Batch | string, org = ORG, topicDevice = device.id) =>
    ingest.ingest(org, topicDevice, payload(b));
  const held = async () => (await store.records(device.id, 1, 1e9)).map((r) => r.record);

  it('stores verified batches durably and acknowledges the stored head', async () => {
    const s = recordStream(device.id);
    const first = await send(await batchOf(s.next(5), device.signer));
    expect(first).toEqual({
      status: 'stored',
      ack: { v: 1, device: 'dev-1', storedUpTo: 5, storedHead: hashRecord(s.all[4]!), refused: [] },
    });
    const second = await send(await batchOf(s.next(3), device.signer));
    expect(second.ack.storedUpTo).toBe(8);
    expect(await held()).toEqual(s.all);
    expect(stored).toEqual([5, 8]);
    // A reopened store holds the same: the write was committed before the promise resolved.
    await store.close();
    store = SqliteReadingStore.open(join(dir.path, 'readings.db'));
    expect(await held()).toEqual(s.all);
  });

  it('answers duplicates idempotently and stores only the new tail of an overlapping batch', async () => {
    const s = recordStream(device.id);
    const records = s.next(10);
    const b1 = await batchOf(records.slice(0, 6), device.signer);
    await send(b1);
    expect((await send(b1)).status).toBe('duplicate');
    expect((await send(await batchOf(records.slice(2, 5), device.signer))).status).toBe('duplicate');
    const overlap = await send(await batchOf(records.slice(3, 10), device.signer));
    expect(overlap.status).toBe('stored');
    expect(overlap.ack.storedUpTo).toBe(10);
    expect(await held()).toEqual(records);
    expect((await store.batches(device.id, 1, 10)).map((b) => [b.fromSeq, b.toSeq])).toEqual([
      [1, 6],
      [4, 10],
    ]);
    expect(warnings).toEqual([]);
  });

  it('leaves a gap unstored and unrefused, telling where to resend from', async () => {
    const s = recordStream(device.id);
    await send(await batchOf(s.next(3), device.signer));
    s.next(2);
    const gap = await send(await batchOf(s.next(2), device.signer));
    expect(gap.status).toBe('gap');
    expect(gap.reason).toMatch(/resend from #4/);
    expect(gap.ack).toEqual({
      v: 1,
      device: 'dev-1',
      storedUpTo: 3,
      storedHead: hashRecord(s.all[2]!),
      refused: [],
    });
    expect(await held()).toHaveLength(3);
  });

  describe('refusals', () => {
    let s: ReturnType<typeof recordStream>;
    let good: ReadingRecord[];
    beforeEach(async () => {
      s = recordStream(device.id);
      good = s.next(4);
      await send(await batchOf(good, device.signer));
    });

    async function expectRefused(p: Promise<unknown>, code: string, range = { fromSeq: 5, toSeq: 7 }) {
      const outcome = (await p) as Awaited<ReturnType<IngestPort['ingest']>>;
      expect(outcome).toMatchObject({ status: 'refused', code });
      expect(outcome.ack.storedUpTo).toBe(4);
      expect(outcome.ack.refused.at(-1)).toMatchObject({ ...range, code, at: '2026-01-05T08:00:00.000Z' });
      expect(warnings.at(-1)).toMatchObject({ device: 'dev-1', code });
      expect(await held()).toEqual(good); // nothing of it stored, nothing stored corrupted
    }

    // A refusal names the range the device will mark refused only when the device signed that range: an
    // unsigned or forged payload is refused as 0-0, which names no record.
    const UNSIGNED = { fromSeq: 0, toSeq: 0 };

    it('refuses a bad signature, naming no range', async () => {
      await expectRefused(
        send(await batchOf(s.next(3), testDevice('dev-1').signer)),
        'BAD_SIGNATURE',
        UNSIGNED,
      );
    });

    it('does not take an unsigned claim to stored seqs for a fork of them', async () => {
      const other = recordStream(device.id, () => ({
        sensor: 'x',
        kind: 'temperature',
        value: 1,
        unit: 'CEL',
      }));
      const forged = await batchOf(other.next(4).slice(1), testDevice('dev-1').signer);
      await expectRefused(send(forged), 'BAD_SIGNATURE', UNSIGNED);
      await expectRefused(send('{"fromSeq":1,"toSeq":1099511627776}'), 'INVALID_INPUT', UNSIGNED);
    });

    it('refuses a broken chain inside the batch and a batch not continuing the stored head', async () => {
      const b = await batchOf(s.next(3), device.signer);
      b.records[1] = { ...b.records[1]!, value: 30 };
      await expectRefused(send(b), 'BROKEN_CHAIN');
      const fork = recordStream(device.id, () => ({
        sensor: 'x',
        kind: 'temperature',
        value: 1,
        unit: 'CEL',
      }));
      const forked = await batchOf(fork.next(7).slice(4), device.signer);
      await expectRefused(send(forked), 'BROKEN_CHAIN');
    });

    it('refuses records already stored with other content (a forked chain)', async () => {
      const fork = recordStream(device.id, () => ({
        sensor: 'x',
        kind: 'temperature',
        value: 1,
        unit: 'CEL',
      }));
      await expectRefused(send(await batchOf(fork.next(2), device.signer)), 'CONFLICT', {
        fromSeq: 1,
        toSeq: 2,
      });
      const overlap = await batchOf([...good.slice(2, 3), ...fork.next(4).slice(3)], device.signer);
      expect((await send(overlap)).status).toBe('refused');
    });

    it('refuses unknown devices and batches of another device or org', async () => {
      const stranger = testDevice('dev-9');
      const theirs = await batchOf(recordStream('dev-9').next(2), stranger.signer);
      const unknown = await send(theirs, ORG, 'dev-9');
      expect(unknown).toMatchObject({ status: 'refused', code: 'NOT_FOUND' });
      expect(unknown.ack).toMatchObject({ device: 'dev-9', storedUpTo: 0 });
      const mine = await batchOf(s.next(3), device.signer);
      expect(await send(mine, ORG, 'dev-9')).toMatchObject({ status: 'refused', code: 'FORBIDDEN' });
      await expectRefused(send(mine, 'Org2MSP'), 'FORBIDDEN', UNSIGNED);
    });

    it('refuses malformed and oversized payloads', async () => {
      await expectRefused(send('{"device":"dev-1",'), 'INVALID_INPUT', { fromSeq: 0, toSeq: 0 });
      const b = await batchOf(s.next(3), device.signer);
      await expectRefused(send({ ...b, records: [] } as unknown as Batch), 'INVALID_INPUT', UNSIGNED);
      const big = JSON.stringify({ ...b, pad: 'x'.repeat(MAX_BATCH_BYTES) });
      await expectRefused(send(big), 'INVALID_INPUT', { fromSeq: 0, toSeq: 0 });
      expect((await send(b)).status).toBe('stored'); // the device's good batch still goes through
    });

    it('lists at most MAX_ACK_REFUSALS refusals, newest last', async () => {
      const b = await batchOf(s.next(3), testDevice('dev-1').signer);
      let last = await send(b);
      for (let i = 0; i < MAX_ACK_REFUSALS + 2; i++) last = await send(b);
      expect(last.ack.refused).toHaveLength(MAX_ACK_REFUSALS);
      expect((await store.stats()).refused).toBe(MAX_ACK_REFUSALS + 3);
    });
  });

  it('rejects (no PUBACK) when storage or the ledger lookup fails, storing nothing', async () => {
    const s = recordStream(device.id);
    const b = await batchOf(s.next(2), device.signer);
    // A real write failure inside SQLite, raised mid-transaction by a second connection's trigger.
    const other = new Database(join(dir.path, 'readings.db'));
    other.exec("CREATE TRIGGER fail BEFORE INSERT ON readings BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    await expect(send(b)).rejects.toThrow('disk full');
    expect(await store.batches(device.id, 1, 9)).toEqual([]); // the transaction rolled back as a whole
    other.exec('DROP TRIGGER fail');
    other.close();
    const down: DeviceDirectory = { lookup: async () => Promise.reject(new Error('ledger unreachable')) };
    await expect(make(store, down).ingest(ORG, device.id, payload(b))).rejects.toThrow('ledger unreachable');
    expect(await held()).toEqual([]);
    expect((await store.stats()).refused).toBe(0);
    expect((await send(b)).status).toBe('stored'); // the device's resend succeeds
  });

  it('handles concurrent batches of one device in arrival order', async () => {
    const s = recordStream(device.id);
    const batches = await Promise.all([1, 2, 3, 4].map(() => batchOf(s.next(5), device.signer)));
    const outcomes = await Promise.all(batches.map((b) => send(b)));
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(await held()).toEqual(s.all);
  });
});
