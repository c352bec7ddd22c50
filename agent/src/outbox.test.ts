import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GENESIS_HASH,
  isColdtrailError,
  nobleSigner,
  parseBatch,
  publicKeyFromSecret,
  type RefusalNotice,
  type Sample,
  verifyBatch,
  verifyChain,
} from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.js';

const secret = new Uint8Array(32).fill(3);
const publicKey = publicKeyFromSecret(secret);
const signer = nobleSigner(secret);
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

const temp = (value: number): Sample => ({ sensor: 'probe-1', kind: 'temperature', value, unit: 'CEL' });
const hum = (value: number): Sample => ({ sensor: 'probe-1', kind: 'humidity', value, unit: 'P1' });

let dir: string;
let path: string;
const opened: Outbox[] = [];
function open(device = 'dev-1'): Outbox {
  const o = Outbox.open(path, { device });
  opened.push(o);
  return o;
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-outbox-'));
  path = join(dir, 'outbox.sqlite');
});
afterEach(async () => {
  for (const o of opened.splice(0)) o.close();
  await rm(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function fill(o: Outbox, cycles: number, start = T0): void {
  for (let i = 0; i < cycles; i++) o.append([temp(4 + i / 100), hum(50)], start + i * 60_000);
}

describe('Outbox', () => {
  it('uses WAL with synchronous=FULL', () => {
    expect(open().settings()).toEqual({ journalMode: 'wal', synchronous: 'full' });
    const db = new Database(path, { readonly: true }); // WAL is persistent in the file, seen by others too
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('chains records gap-free and keeps the head across close and reopen', () => {
    const o = open();
    fill(o, 5);
    expect(o.head().seq).toBe(10);
    const head = o.head().hash;
    o.close();
    o.close(); // idempotent
    expect(() => o.append([temp(1)], T0)).toThrow(/closed/);
    const again = open();
    expect(again.head()).toEqual({ seq: 10, hash: head });
    again.append([temp(5)], T0 + HOUR);
    const records = again.records(1, 11);
    expect(verifyChain(records, GENESIS_HASH, 0)).toBe(again.head().hash);
  });

  it('signs batches that core parses and verifies, continuing across batches', async () => {
    const o = open();
    fill(o, 4);
    const b1 = await o.createBatch(5, signer, T0);
    const b2 = await o.createBatch(5, signer, T0);
    expect([b1?.fromSeq, b1?.toSeq, b2?.fromSeq, b2?.toSeq]).toEqual([1, 5, 6, 8]);
    expect(await o.createBatch(5, signer, T0)).toBeUndefined();
    const p1 = parseBatch(o.batchPayload(b1!));
    const p2 = parseBatch(o.batchPayload(b2!));
    verifyBatch(p1, publicKey, { expectedPrev: GENESIS_HASH });
    verifyBatch(p2, publicKey, { expectedPrev: p1.head });
    expect(o.unbatched()).toEqual({ count: 0 });
    o.append([temp(3)], T0 + 5);
    expect(o.unbatched()).toEqual({ count: 1, oldestMs: T0 + 5 });
  });

  it('moves batches queued -> sent -> acked and counts them', async () => {
    const o = open();
    fill(o, 6);
    const a = (await o.createBatch(4, signer, T0))!;
    const b = (await o.createBatch(4, signer, T0))!;
    expect(a.state).toBe('queued');
    expect(o.markSent(a.fromSeq)).toBe(true);
    expect(o.markSent(a.fromSeq)).toBe(false);
    expect(o.batch(a.fromSeq)?.state).toBe('sent');
    const acked = o.acknowledge(4);
    expect(acked.map((x) => x.fromSeq)).toEqual([1]);
    expect(o.acknowledge(4)).toEqual([]);
    expect(o.acknowledge(2)).toEqual([]); // an older watermark never lowers ours
    expect(o.storedUpTo()).toBe(4);
    expect(o.pendingBatches(0, 10).map((x) => x.fromSeq)).toEqual([b.fromSeq]);
    expect(o.counts()).toEqual({
      records: 12,
      unbatched: 4,
      pending: 8,
      batches: { queued: 1, sent: 0, acked: 1, refused: 0 },
    });
  });

  it('refuses a watermark above anything batched (hostile or foreign ack)', async () => {
    const o = open();
    fill(o, 3);
    await o.createBatch(4, signer, T0);
    const err = thrown(() => o.acknowledge(5));
    expect(isColdtrailError(err, 'INVALID_INPUT')).toBe(true);
    expect(o.storedUpTo()).toBe(0);
  });

  it('marks a refused batch, chains one ingest-refused fault, and is idempotent', async () => {
    const o = open();
    fill(o, 4);
    await o.createBatch(4, signer, T0);
    const b = (await o.createBatch(4, signer, T0))!;
    const notice: RefusalNotice = { fromSeq: 5, toSeq: 8, code: 'BAD_SIGNATURE', reason: 'bad sig', at: 'x' };
    const r = o.refuse(notice, T0 + HOUR);
    expect(r.batches.map((x) => [x.fromSeq, x.state])).toEqual([[b.fromSeq, 'refused']]);
    expect(r.fault).toMatchObject({ seq: 9, kind: 'fault', fault: 'ingest-refused', sensor: 'agent' });
    expect(o.batch(5)?.refusal).toEqual(notice);
    expect(o.refuse(notice, T0 + HOUR)).toEqual({ batches: [] });
    expect(o.head().seq).toBe(9);
    expect(verifyChain(o.records(1, 9), GENESIS_HASH, 0)).toBe(o.head().hash);
    expect(o.pendingBatches(0, 10).map((x) => x.fromSeq)).toEqual([1]);
  });

  it('deletes only records acknowledged end to end and older than the retention window', async () => {
    const o = open();
    fill(o, 10); // seq 1..20, two per minute
    for (let i = 0; i < 5; i++) await o.createBatch(4, signer, T0); // 1-4, 5-8, ..., 17-20
    o.markSent(1);
    o.acknowledge(8); // batches 1-4 and 5-8 acked
    o.refuse({ fromSeq: 9, toSeq: 12, code: 'X', reason: 'r', at: 'a' }, T0); // refused, seq 21 = fault
    o.markSent(13); // sent, not acked
    const now = T0 + 2 * HOUR;
    expect(o.prune(now, 3 * HOUR)).toBe(0); // nothing old enough
    expect(o.prune(T0 + 150_000 + HOUR, HOUR)).toBe(6); // records with ts < T0 + 150s: seq 1..6
    expect(o.records(1, 21).map((r) => r.seq)[0]).toBe(7);
    expect(o.prune(now, 0)).toBe(2); // 7, 8; never 9-12 (refused), 13-20 (unacked), 21
    expect(o.records(1, 30).map((r) => r.seq)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(o.counts().batches).toEqual({ queued: 1, sent: 1, acked: 0, refused: 1 });
    // the head survives deletion: the chain continues from it
    const fault = o.records(21, 21)[0]!;
    o.close();
    const reopened = open();
    reopened.append([temp(1)], now);
    expect(() => verifyChain(reopened.records(21, 22), fault.prev, 20)).not.toThrow();
  });

  it('keeps the head when every record is deleted, and continues the chain from it after a reopen', async () => {
    const o = open();
    fill(o, 3);
    await o.createBatch(10, signer, T0);
    o.acknowledge(6);
    const head = o.head();
    expect(o.prune(T0 + HOUR, 0)).toBe(6);
    expect(o.counts()).toMatchObject({
      records: 0,
      pending: 0,
      batches: { queued: 0, sent: 0, acked: 0, refused: 0 },
    });
    o.close();
    const again = open();
    expect(again.head()).toEqual(head);
    const [next] = again.append([temp(2)], T0 + HOUR);
    expect(next).toMatchObject({ seq: 7, prev: head.hash });
  });

  it('turns a malformed sample into a garbage fault instead of storing it', () => {
    const o = open();
    const [bad, badSensor] = o.append(
      [
        { sensor: 'probe-1', kind: 'temperature', value: Number.NaN, unit: 'CEL' },
        { sensor: 'no spaces/allowed', kind: 'humidity', value: 1, unit: 'P1' },
      ],
      T0,
    );
    expect(bad).toMatchObject({ kind: 'fault', fault: 'garbage', sensor: 'probe-1', value: null });
    expect(badSensor).toMatchObject({ kind: 'fault', fault: 'garbage', sensor: 'agent' });
  });

  it('refuses another device, a foreign file and a tampered head', async () => {
    const o = open();
    fill(o, 2);
    o.close();
    expect(() => open('dev-2')).toThrow(/belongs to device dev-1/);

    const db = new Database(path);
    db.prepare('UPDATE records SET body = replace(body, \'"value":50\', \'"value":51\') WHERE seq = 4').run();
    db.close();
    expect(() => open()).toThrow(/chain head record #4 does not match its stored hash/);

    const foreign = join(dir, 'foreign.sqlite');
    await writeFile(foreign, 'this is not sqlite, just some bytes that are long enough to be a header...');
    const err = thrown(() => Outbox.open(foreign, { device: 'dev-1' }));
    expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
    expect((err as Error).message).toMatch(/not an SQLite database/);
  });
});
