import { join } from 'node:path';
import { GENESIS_HASH, hashRecord, isColdtrailError } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordStream, tempDir } from './fixtures.test-kit.js';
import { readingStoreContract } from './reading-store.contract.js';
import type { StoredBatch, StoredRecord } from './reading-store.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';

const stored = (rs: ReturnType<ReturnType<typeof recordStream>['next']>): StoredRecord[] =>
  rs.map((record) => ({ record, hash: hashRecord(record) }));

function header(rs: StoredRecord[], receivedAt = '2026-01-05T07:00:00.000Z'): StoredBatch {
  const first = rs[0]!;
  const last = rs.at(-1)!;
  return {
    device: first.record.device,
    fromSeq: first.record.seq,
    toSeq: last.record.seq,
    prev: first.record.prev,
    head: last.hash,
    sig: 'ab'.repeat(64),
    receivedAt,
  };
}

readingStoreContract(
  'SqliteReadingStore file',
  async () => {
    const tmp = tempDir();
    const path = join(tmp.path, 'readings.db');
    return {
      store: SqliteReadingStore.open(path),
      reopen: async () => SqliteReadingStore.open(path),
      openReadonly: async () => SqliteReadingStore.openReadonly(path),
      cleanup: async () => tmp.cleanup(),
    };
  },
  { readonly: true },
);

describe('SqliteReadingStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteReadingStore;
  beforeEach(() => {
    dir = tempDir();
    store = SqliteReadingStore.open(join(dir.path, 'nested', 'readings.db'));
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('starts every device at the genesis head', async () => {
    expect(await store.head('dev-1')).toEqual({ seq: 0, hash: GENESIS_HASH });
  });

  it('rebuilds records from their columns exactly, faults included', async () => {
    const s = recordStream('dev-1', (seq) =>
      seq === 2
        ? { sensor: 'probe-1', kind: 'fault', fault: 'crc' }
        : { sensor: 'probe-1', kind: 'humidity', value: 41.5, unit: 'P1' },
    );
    const rs = stored(s.next(3));
    expect(await store.appendBatch(header(rs), rs)).toEqual({ seq: 3, hash: rs[2]!.hash });
    const back = await store.records('dev-1', 1, 3);
    expect(back).toEqual(rs);
    expect(back.map((r) => hashRecord(r.record))).toEqual(rs.map((r) => r.hash));
    expect(back[1]!.record).toHaveProperty('fault', 'crc');
    expect(back[0]!.record).not.toHaveProperty('fault');
    expect(await store.recordHashes('dev-1', 2, 9)).toEqual([
      { seq: 2, hash: rs[1]!.hash },
      { seq: 3, hash: rs[2]!.hash },
    ]);
  });

  it('refuses records that do not continue the head, and writes nothing of them', async () => {
    const s = recordStream('dev-1');
    const first = stored(s.next(2));
    await store.appendBatch(header(first), first);
    s.next(1); // skip #3
    const skipped = stored(s.next(2));
    const err = await store.appendBatch(header(skipped), skipped).catch((e: unknown) => e);
    expect(isColdtrailError(err, 'CONFLICT')).toBe(true);
    const fork = recordStream('dev-1', () => ({
      sensor: 'other',
      kind: 'temperature',
      value: 1,
      unit: 'CEL',
    }));
    const wrongPrev = stored(fork.next(3)).slice(2);
    await expect(store.appendBatch(header(wrongPrev), wrongPrev)).rejects.toThrow(/continue the stored head/);
    expect((await store.head('dev-1')).seq).toBe(2);
    expect(await store.batches('dev-1', 1, 100)).toHaveLength(1);
    expect(await store.records('dev-1', 1, 100)).toHaveLength(2);
  });

  it('finds the batches overlapping a range', async () => {
    const s = recordStream('dev-1');
    for (const n of [3, 3, 3]) {
      const rs = stored(s.next(n));
      await store.appendBatch(header(rs), rs);
    }
    const ranges = (await store.batches('dev-1', 3, 4)).map((b) => [b.fromSeq, b.toSeq]);
    expect(ranges).toEqual([
      [1, 3],
      [4, 6],
    ]);
    expect(await store.batches('dev-2', 1, 9)).toEqual([]);
  });

  it('keeps refusals, answering the newest ones oldest first', async () => {
    for (let i = 1; i <= 5; i++) {
      await store.logRefusal({
        device: 'dev-1',
        fromSeq: i,
        toSeq: i,
        code: 'BAD_SIGNATURE',
        reason: `r${i}`,
        at: '2026-01-05T07:00:00.000Z',
      });
    }
    expect((await store.refusals('dev-1', 3)).map((r) => r.reason)).toEqual(['r3', 'r4', 'r5']);
    expect(await store.refusals('dev-2', 3)).toEqual([]);
  });

  it('counts, remembers anchors and evaluations, and persists across reopen', async () => {
    const s = recordStream('dev-1');
    const rs = stored(s.next(4));
    await store.appendBatch(header(rs), rs);
    await store.saveAnchor({
      device: 'dev-1',
      fromSeq: 1,
      toSeq: 4,
      root: 'cd'.repeat(32),
      txId: 'tx1',
      anchoredAt: '2026-01-05T07:00:00.000Z',
    });
    const evaluation = {
      sscc: '106141411234567897',
      device: 'dev-1',
      fromSeq: 1,
      toSeq: 4,
      excursions: 0,
      evaluatedAt: '2026-01-05T07:00:00.000Z',
    };
    await store.saveEvaluation(evaluation);
    await store.close();
    await store.close(); // idempotent
    store = SqliteReadingStore.open(join(dir.path, 'nested', 'readings.db'));
    expect(await store.stats()).toEqual({
      readings: 4,
      batches: 1,
      refused: 0,
      devices: [{ device: 'dev-1', storedUpTo: 4, anchoredUpTo: 4 }],
    });
    expect(await store.anchoredUpTo('dev-1')).toBe(4);
    expect(await store.evaluation(evaluation.sscc)).toEqual(evaluation);
  });

  it('uses WAL with synchronous=FULL and refuses a store from a newer schema', async () => {
    const path = join(dir.path, 'nested', 'readings.db');
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.pragma('user_version = 99');
    db.close();
    await store.close();
    expect(() => SqliteReadingStore.open(path)).toThrow(/schema version 99/);
    store = SqliteReadingStore.open(join(dir.path, 'other.db'));
  });

  it('leaves a closed store for readers: read-only opens change no byte, and a 0-byte store is no store', async () => {
    const path = join(dir.path, 'nested', 'readings.db');
    const s = recordStream('dev-1');
    const rs = stored(s.next(3));
    await store.appendBatch(header(rs), rs);
    await store.close();
    const { readdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const files = () =>
      readdirSync(join(dir.path, 'nested')).map((f) => [f, readFileSync(join(dir.path, 'nested', f))]);
    const before = files();
    expect(before.map(([f]) => f)).toEqual(['readings.db']); // no -wal/-shm left by the writer
    const reader = SqliteReadingStore.openReadonly(path);
    expect(await reader.records('dev-1', 1, 3)).toEqual(rs);
    const more = stored(s.next(3));
    await expect(reader.appendBatch(header(more), more)).rejects.toThrow(/readonly/);
    await reader.close();
    expect(files()).toEqual(before);
    writeFileSync(path, '');
    for (const open of [() => SqliteReadingStore.open(path), () => SqliteReadingStore.openReadonly(path)]) {
      expect(() => open()).toThrow(/is not a coldtrail reading store \(no batches, heads, readings tables\)/);
    }
    expect(() => SqliteReadingStore.openReadonly(join(dir.path, 'none.db'))).toThrow(/missing or unreadable/);
    store = SqliteReadingStore.open(join(dir.path, 'other.db'));
  });
});
