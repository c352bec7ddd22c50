/**
 * The behaviour every ReadingStore must have (SqliteReadingStore today; a PostgreSQL store would run the same),
 * as one suite each implementation runs, like aedes' abstract persistence suite. Written against the interface
 * only. Test-only (excluded from the build); import it from a test file.
 */
import { GENESIS_HASH, hashRecord, isColdtrailError, makeRecord, type Sample } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import type { ReadingStore, StoredBatch, StoredRecord } from './reading-store.js';

export interface StoreUnderTest {
  store: ReadingStore;
  /** The same storage opened anew (the old store is closed first by the suite). */
  reopen(): Promise<ReadingStore>;
  /** The same storage opened read-only (required when the suite is run with `{ readonly: true }`). */
  openReadonly?(): Promise<ReadingStore>;
  /** Removes what the store left behind (temp files, a schema); the suite closes the stores itself. */
  cleanup(): Promise<void>;
}

/** Builds a fresh, empty store. */
export type MakeStore = () => Promise<StoreUnderTest>;

const T0 = Date.UTC(2026, 0, 5, 6);
const AT = '2026-01-05T07:00:00.000Z';

/** A device's chained records; `next(n)` continues the chain. */
function chain(device: string, sample: (seq: number) => Sample = () => temperature) {
  const all: StoredRecord[] = [];
  return {
    all,
    next(n: number): StoredRecord[] {
      const out: StoredRecord[] = [];
      for (let i = 0; i < n; i++) {
        const seq = all.length + 1;
        const record = makeRecord(
          device,
          seq,
          T0 + seq * 60_000,
          sample(seq),
          all.at(-1)?.hash ?? GENESIS_HASH,
        );
        const stored = { record, hash: hashRecord(record) };
        all.push(stored);
        out.push(stored);
      }
      return out;
    },
  };
}
const temperature: Sample = { sensor: 'probe-1', kind: 'temperature', value: 5.5, unit: 'CEL' };

function header(rs: readonly StoredRecord[], fromSeq = rs[0]?.record.seq ?? 0): StoredBatch {
  const first = rs[0] as StoredRecord;
  const last = rs.at(-1) as StoredRecord;
  return {
    device: first.record.device,
    fromSeq,
    toSeq: last.record.seq,
    prev: first.record.prev,
    head: last.hash,
    sig: 'ab'.repeat(64),
    receivedAt: AT,
  };
}

const conflict = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isColdtrailError(err, 'CONFLICT')).toBe(true);
};

/** `readonly`: the implementation has a read-only mode (`openReadonly`), whose refusals are checked too. */
export function readingStoreContract(
  name: string,
  make: MakeStore,
  features: { readonly?: boolean } = {},
): void {
  describe(`ReadingStore contract: ${name}`, () => {
    /** Runs `body` on a fresh store; closes whatever store it ends with and cleans up. */
    const withStore =
      (body: (u: StoreUnderTest, swap: (s: ReadingStore) => void) => Promise<void>) => async () => {
        const u = await make();
        const open = [u.store];
        try {
          await body(u, (s) => open.push(s));
        } finally {
          for (const s of open) await s.close();
          await u.cleanup();
        }
      };

    it(
      'starts every device at the genesis head, with nothing stored',
      withStore(async ({ store }) => {
        expect(await store.head('dev-1')).toEqual({ seq: 0, hash: GENESIS_HASH });
        expect(await store.records('dev-1', 1, 100)).toEqual([]);
        expect(await store.recordHashes('dev-1', 1, 100)).toEqual([]);
        expect(await store.batches('dev-1', 1, 100)).toEqual([]);
        expect(await store.anchoredUpTo('dev-1')).toBe(0);
        expect(await store.stats()).toEqual({ readings: 0, batches: 0, refused: 0, devices: [] });
      }),
    );

    it(
      'appends batches continuing the head and answers records, hashes and batches by range',
      withStore(async ({ store }) => {
        const c = chain('dev-1', (seq) =>
          seq === 2
            ? { sensor: 'probe-1', kind: 'fault', fault: 'crc' }
            : { sensor: 'probe-1', kind: 'humidity', value: 41.5, unit: 'P1' },
        );
        const first = c.next(3);
        expect(await store.appendBatch(header(first), first)).toEqual({ seq: 3, hash: first[2]?.hash });
        const second = c.next(4);
        expect(await store.appendBatch(header(second), second)).toEqual({ seq: 7, hash: second[3]?.hash });
        expect(await store.head('dev-1')).toEqual({ seq: 7, hash: second[3]?.hash });
        // Records come back exactly as stored (a fault keeps its code; a reading has no fault member).
        const back = await store.records('dev-1', 1, 7);
        expect(back).toEqual(c.all);
        expect(back.map((r) => hashRecord(r.record))).toEqual(c.all.map((r) => r.hash));
        expect(back[1]?.record).toHaveProperty('fault', 'crc');
        expect(back[0]?.record).not.toHaveProperty('fault');
        expect((await store.records('dev-1', 3, 5)).map((r) => r.record.seq)).toEqual([3, 4, 5]);
        expect(await store.recordHashes('dev-1', 6, 99)).toEqual([
          { seq: 6, hash: c.all[5]?.hash },
          { seq: 7, hash: c.all[6]?.hash },
        ]);
        expect(await store.records('dev-1', 8, 99)).toEqual([]);
        expect(await store.records('dev-2', 1, 99)).toEqual([]);
        expect(await store.batches('dev-1', 1, 7)).toEqual([header(first), header(second)]);
      }),
    );

    it(
      'stores an overlapping batch header with only its new records (the ingest stores the new tail)',
      withStore(async ({ store }) => {
        const c = chain('dev-1');
        const first = c.next(4);
        await store.appendBatch(header(first), first);
        const tail = c.next(3);
        // Header 3..7, records 5..7 (3 and 4 were already stored).
        await store.appendBatch(header(tail, 3), tail);
        expect((await store.batches('dev-1', 1, 9)).map((b) => [b.fromSeq, b.toSeq])).toEqual([
          [1, 4],
          [3, 7],
        ]);
        expect(await store.records('dev-1', 1, 9)).toEqual(c.all);
      }),
    );

    it(
      'throws CONFLICT, storing nothing, when the records do not continue the head (it moved, or they fork)',
      withStore(async ({ store }) => {
        const c = chain('dev-1');
        const first = c.next(2);
        await store.appendBatch(header(first), first);
        await conflict(store.appendBatch(header(first), first)); // stale: the head moved past it
        c.next(1);
        const skipped = c.next(2);
        await conflict(store.appendBatch(header(skipped), skipped)); // #3 missing
        const fork = chain('dev-1', () => ({ sensor: 'x', kind: 'temperature', value: 1, unit: 'CEL' }));
        const wrongPrev = fork.next(3).slice(2);
        await conflict(store.appendBatch(header(wrongPrev), wrongPrev)); // #3 not after the stored #2
        await expect(store.appendBatch(header(first), [])).rejects.toThrow();
        expect(await store.head('dev-1')).toEqual({ seq: 2, hash: first[1]?.hash });
        expect(await store.records('dev-1', 1, 99)).toEqual(first);
        expect(await store.batches('dev-1', 1, 99)).toHaveLength(1);
      }),
    );

    it(
      'lets exactly one of two appends on the same head win (a compare-and-swap); the other is CONFLICT',
      withStore(async ({ store }) => {
        const a = chain('dev-1');
        const b = chain('dev-1', () => ({ sensor: 'probe-1', kind: 'temperature', value: 9, unit: 'CEL' }));
        const ra = a.next(3);
        const rb = b.next(2);
        const results = await Promise.allSettled([
          store.appendBatch(header(ra), ra),
          store.appendBatch(header(rb), rb),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r) => r.status === 'rejected');
        expect(isColdtrailError(lost?.reason, 'CONFLICT')).toBe(true);
        const winner = results[0]?.status === 'fulfilled' ? ra : rb;
        expect(await store.records('dev-1', 1, 9)).toEqual(winner);
        expect(await store.batches('dev-1', 1, 9)).toEqual([header(winner)]);
      }),
    );

    it(
      'finds the batches overlapping a range, by fromSeq',
      withStore(async ({ store }) => {
        const c = chain('dev-1');
        for (const n of [3, 3, 3]) {
          const rs = c.next(n);
          await store.appendBatch(header(rs), rs);
        }
        const ranges = async (from: number, to: number) =>
          (await store.batches('dev-1', from, to)).map((b) => [b.fromSeq, b.toSeq]);
        expect(await ranges(3, 4)).toEqual([
          [1, 3],
          [4, 6],
        ]);
        expect(await ranges(5, 5)).toEqual([[4, 6]]);
        expect(await ranges(9, 20)).toEqual([[7, 9]]);
        expect(await ranges(10, 20)).toEqual([]);
      }),
    );

    it(
      'keeps refusals per device and answers the newest `limit` of them, oldest first',
      withStore(async ({ store }) => {
        for (let i = 1; i <= 5; i++) {
          const refusal = { fromSeq: i, toSeq: i, code: 'BAD_SIGNATURE', reason: `r${i}`, at: AT };
          await store.logRefusal({ device: 'dev-1', ...refusal });
        }
        await store.logRefusal({
          device: 'dev-2',
          fromSeq: 0,
          toSeq: 0,
          code: 'INVALID_INPUT',
          reason: 'x',
          at: AT,
        });
        expect((await store.refusals('dev-1', 3)).map((r) => r.reason)).toEqual(['r3', 'r4', 'r5']);
        expect(await store.refusals('dev-1', 1)).toEqual([
          { fromSeq: 5, toSeq: 5, code: 'BAD_SIGNATURE', reason: 'r5', at: AT },
        ]);
        expect(await store.refusals('dev-1', 10)).toHaveLength(5);
        expect(await store.refusals('dev-3', 3)).toEqual([]);
        expect((await store.stats()).refused).toBe(6);
      }),
    );

    it(
      'remembers anchors (anchoredUpTo is the highest anchored seq) and shipment evaluations',
      withStore(async ({ store }) => {
        const anchor = {
          device: 'dev-1',
          fromSeq: 1,
          toSeq: 4,
          root: 'cd'.repeat(32),
          txId: 'tx1',
          anchoredAt: AT,
        };
        await store.saveAnchor(anchor);
        await store.saveAnchor({ ...anchor, fromSeq: 5, toSeq: 9, txId: 'tx2' });
        await store.saveAnchor(anchor); // the same window again changes nothing
        expect(await store.anchoredUpTo('dev-1')).toBe(9);
        expect(await store.anchoredUpTo('dev-2')).toBe(0);
        const evaluation = {
          sscc: '106141411234567897',
          device: 'dev-1',
          fromSeq: 1,
          toSeq: 4,
          excursions: 0,
          evaluatedAt: AT,
        };
        expect(await store.evaluation(evaluation.sscc)).toBeUndefined();
        await store.saveEvaluation(evaluation);
        expect(await store.evaluation(evaluation.sscc)).toEqual(evaluation);
        await store.saveEvaluation({ ...evaluation, toSeq: 9, excursions: 2 });
        expect(await store.evaluation(evaluation.sscc)).toEqual({ ...evaluation, toSeq: 9, excursions: 2 });
      }),
    );

    it(
      'counts readings, batches and refusals, per device by id, and keeps everything across a reopen',
      withStore(async (u, keep) => {
        for (const id of ['dev-b', 'dev-a']) {
          const rs = chain(id).next(id === 'dev-a' ? 4 : 2);
          await u.store.appendBatch(header(rs), rs);
        }
        await u.store.saveAnchor({
          device: 'dev-a',
          fromSeq: 1,
          toSeq: 3,
          root: 'cd'.repeat(32),
          txId: 't',
          anchoredAt: AT,
        });
        await u.store.logRefusal({
          device: 'dev-a',
          fromSeq: 0,
          toSeq: 0,
          code: 'INVALID_INPUT',
          reason: 'x',
          at: AT,
        });
        const expected = {
          readings: 6,
          batches: 2,
          refused: 1,
          devices: [
            { device: 'dev-a', storedUpTo: 4, anchoredUpTo: 3 },
            { device: 'dev-b', storedUpTo: 2, anchoredUpTo: 0 },
          ],
        };
        expect(await u.store.stats()).toEqual(expected);
        await u.store.close();
        await u.store.close(); // idempotent
        const again = await u.reopen();
        keep(again);
        expect(await again.stats()).toEqual(expected);
        expect((await again.records('dev-a', 1, 9)).map((r) => r.record.seq)).toEqual([1, 2, 3, 4]);
      }),
    );

    const readonlyIt = features.readonly ? it : () => {};
    readonlyIt(
      'opened read-only, reads what was stored and refuses every write',
      withStore(async (u, keep) => {
        if (!u.openReadonly)
          throw new Error(`${name} was run with { readonly: true } but has no openReadonly()`);
        const c = chain('dev-1');
        const rs = c.next(3);
        await u.store.appendBatch(header(rs), rs);
        await u.store.close();
        const reader = await u.openReadonly();
        keep(reader);
        expect(await reader.records('dev-1', 1, 3)).toEqual(rs);
        expect(await reader.head('dev-1')).toEqual({ seq: 3, hash: rs[2]?.hash });
        const more = c.next(2);
        await expect(reader.appendBatch(header(more), more)).rejects.toThrow();
        const refusal = { device: 'dev-1', fromSeq: 0, toSeq: 0, code: 'X', reason: 'x', at: AT };
        await expect(reader.logRefusal(refusal)).rejects.toThrow();
        const anchor = {
          device: 'dev-1',
          fromSeq: 1,
          toSeq: 3,
          root: 'cd'.repeat(32),
          txId: 't',
          anchoredAt: AT,
        };
        await expect(reader.saveAnchor(anchor)).rejects.toThrow();
        expect(await reader.head('dev-1')).toEqual({ seq: 3, hash: rs[2]?.hash });
        expect(await reader.anchoredUpTo('dev-1')).toBe(0);
        await reader.close();
        await reader.close(); // idempotent
      }),
    );
  });
}
