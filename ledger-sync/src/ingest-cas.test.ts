import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { GENESIS_HASH, verifyChain } from '@coldtrail/core';
import { afterEach, describe, expect, it } from 'vitest';
import { batchOf, ORG, recordStream, tempDir, testDevice } from './fixtures.test-kit.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';

const CHILD = new URL('./fixtures/ingest-cas-child.mjs', import.meta.url);

interface Outcome {
  status: string;
  storedUpTo: number;
}
interface Sent {
  from: number;
  to: number;
  payload: string;
}

/** One ingest process on `db` (see the child): `round()` runs its next round and answers its outcomes. */
function ingestProcess(db: string, identity: object, rounds: Sent[][]) {
  const child: ChildProcess = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const inbox: { type: string; outcomes?: Outcome[]; retries?: number }[] = [];
  let wake = () => {};
  child.on('message', (m: (typeof inbox)[number]) => {
    inbox.push(m);
    wake();
  });
  const next = async (type: string) => {
    for (;;) {
      const m = inbox.shift();
      if (m) {
        if (m.type !== type) throw new Error(`ingest child sent "${m.type}", expected "${type}"`);
        return m;
      }
      const gone = await Promise.race([
        new Promise<false>((resolve) => {
          wake = () => resolve(false);
        }),
        exited.then(() => true),
      ]);
      if (gone && inbox.length === 0) throw new Error(`ingest child exited before "${type}"`);
    }
  };
  child.send({ db, identity, rounds: rounds.map((r) => r.map((s) => s.payload)) });
  return {
    ready: next('ready'),
    async round(): Promise<Outcome[]> {
      child.send({ type: 'go' });
      return (await next('round')).outcomes ?? [];
    },
    async done(): Promise<number> {
      return (await next('done')).retries ?? Number.NaN;
    },
    exited,
  };
}

describe('ingest: two processes on one reading store file', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(() => dir?.cleanup());

  it('stores every record of a device exactly once, gap-free and chained, with both racing for the head', async () => {
    dir = tempDir();
    const db = join(dir.path, 'readings.db');
    await SqliteReadingStore.open(db).close(); // the schema exists before both open it
    const device = testDevice('dev-1');
    const identity = { device: device.id, org: ORG, publicKey: device.publicKey };
    const N = 300;
    const records = recordStream(device.id).next(N);
    const batch = async (from: number, to: number): Promise<Sent> => ({
      from,
      to: Math.min(to, N),
      payload: JSON.stringify(await batchOf(records.slice(from - 1, Math.min(to, N)), device.signer)),
    });
    // Round k: A sends #5k-4..5k; B sends the very same batch in odd rounds, and in even rounds one that
    // overlaps the head the previous round left (wherever it is) and runs one past A's. Whichever order the
    // two land in, no batch is a gap; what each stores depends on who wins the head.
    const roundsA: Sent[][] = [];
    const roundsB: Sent[][] = [];
    for (let k = 1; 5 * k <= N; k++) {
      const same = await batch(5 * k - 4, 5 * k);
      roundsA.push([same]);
      roundsB.push([k % 2 === 1 ? same : await batch(5 * k - 6, 5 * k + 1)]);
    }
    const pa = ingestProcess(db, identity, roundsA);
    const pb = ingestProcess(db, identity, roundsB);
    await Promise.all([pa.ready, pb.ready]);
    const outA: Outcome[] = [];
    const outB: Outcome[] = [];
    for (let k = 0; k < roundsA.length; k++) {
      // Both processes start the round together and race for the same head.
      const [oa, ob] = await Promise.all([pa.round(), pb.round()]);
      outA.push(...oa);
      outB.push(...ob);
    }
    const [retriesA, retriesB] = await Promise.all([pa.done(), pb.done()]);
    expect(await Promise.all([pa.exited, pb.exited])).toEqual([0, 0]);

    const sentA = roundsA.flat();
    const sentB = roundsB.flat();
    // Each process: every batch stored or a duplicate, its acks never go back and cover the batch answered.
    for (const [sent, got] of [
      [sentA, outA],
      [sentB, outB],
    ] as const) {
      expect(got).toHaveLength(sent.length);
      got.forEach((o, i) => {
        expect(['stored', 'duplicate']).toContain(o.status);
        expect(o.storedUpTo).toBeGreaterThanOrEqual(sent[i]?.to ?? Number.NaN);
        expect(o.storedUpTo).toBeGreaterThanOrEqual(got[i - 1]?.storedUpTo ?? 0);
      });
    }
    // The very same batch, sent by both, is stored by exactly one of them.
    sentA.forEach((a, i) => {
      if (sentB[i] !== a) return;
      expect([outA[i]?.status, outB[i]?.status].sort()).toEqual(['duplicate', 'stored']);
    });

    const store = SqliteReadingStore.openReadonly(db);
    try {
      const held = await store.records(device.id, 1, N + 10);
      expect(held.map((r) => r.record)).toEqual(records);
      expect(verifyChain(records, GENESIS_HASH, 0)).toBe((await store.head(device.id)).hash);
      expect(await store.head(device.id)).toMatchObject({ seq: N });
      expect((await store.stats()).readings).toBe(N);
      // One batch header per stored outcome; each moved the head to its own toSeq.
      const storedA = outA.filter((o) => o.status === 'stored').length;
      const storedB = outB.filter((o) => o.status === 'stored').length;
      const batches = await store.batches(device.id, 1, N);
      expect(batches).toHaveLength(storedA + storedB);
      const tos = batches.map((x) => x.toSeq);
      expect(new Set(tos).size).toBe(tos.length);
      expect(Math.max(...tos)).toBe(N);
      console.info(
        `two-process ingest: A stored ${storedA}/${sentA.length}, B stored ${storedB}/${sentB.length}, ` +
          `head moved under A ${retriesA}x, under B ${retriesB}x; ${held.length} records, ${batches.length} batches`,
      );
    } finally {
      await store.close();
    }
  });
});
