import { join } from 'node:path';
import { hashRecord } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchOf, recordStream, type TestDevice, tempDir, testDevice } from './fixtures.test-kit.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';
import { verifyHashChain, verifySignatures } from './verify-readings.js';

describe('reading verification (signatures, hash-chain)', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let store: SqliteReadingStore;
  let device: TestDevice;
  const range = { fromSeq: 3, toSeq: 12 };

  beforeEach(async () => {
    dir = tempDir();
    path = join(dir.path, 'readings.db');
    store = SqliteReadingStore.open(path);
    device = testDevice('dev-1');
    const s = recordStream(device.id);
    const records = s.next(12);
    // Batches 1-5 and 6-10, then 4-12 overlapping (only 11-12 new), as a resend after a lost ack gives.
    for (const [from, to] of [
      [1, 5],
      [6, 10],
      [4, 12],
    ] as const) {
      const b = await batchOf(records.slice(from - 1, to), device.signer);
      const head = await store.head(device.id);
      const fresh = b.records
        .filter((r) => r.seq > head.seq)
        .map((r) => ({ record: r, hash: hashRecord(r) }));
      await store.appendBatch(
        {
          device: device.id,
          fromSeq: from,
          toSeq: to,
          prev: b.records[0]!.prev,
          head: b.head,
          sig: b.sig,
          receivedAt: 'x',
        },
        fresh,
      );
    }
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  async function run() {
    const batches = await store.batches(device.id, range.fromSeq, range.toSeq);
    const records = await store.records(device.id, 1, 12);
    return {
      signatures: verifySignatures(device.id, device.publicKey, batches),
      chain: verifyHashChain(device.id, range, batches, records),
    };
  }
  const edit = (sql: string) => {
    const db = new Database(path);
    db.exec(sql);
    db.close();
  };

  it('passes untouched data', async () => {
    const { signatures, chain } = await run();
    expect(signatures).toEqual({
      name: 'signatures',
      ok: true,
      detail: expect.stringMatching(/^3 batch headers/),
    });
    expect(chain).toMatchObject({ name: 'hash-chain', ok: true });
  });

  it('names a reading whose value was edited in place', async () => {
    edit("UPDATE readings SET value = 5.5 WHERE device = 'dev-1' AND seq = 7");
    const { signatures, chain } = await run();
    expect(signatures.ok).toBe(true);
    expect(chain.ok).toBe(false);
    expect(chain.detail).toMatch(/^dev-1#7: stored reading was changed/);
    expect(chain.problems).toEqual([expect.stringMatching(/^dev-1#7:/)]);
  });

  it('names the broken link when the stored hash was rewritten too', async () => {
    const [r] = await store.records(device.id, 7, 7);
    const forged = hashRecord({ ...r!.record, value: 5.5 });
    edit(`UPDATE readings SET value = 5.5, hash = '${forged}' WHERE device = 'dev-1' AND seq = 7`);
    const { chain } = await run();
    expect(chain.ok).toBe(false);
    expect(chain.detail).toMatch(/^dev-1#8: prev does not match the hash of #7/);
  });

  it('names a rewritten batch end against its signed head', async () => {
    const [r] = await store.records(device.id, 10, 10);
    const forged = hashRecord({ ...r!.record, value: 1 });
    edit(`UPDATE readings SET value = 1, hash = '${forged}' WHERE device = 'dev-1' AND seq = 10`);
    const { chain } = await run();
    expect(chain.problems).toEqual([
      'dev-1#11: prev does not match the hash of #10 (chain broken)',
      'batch dev-1#6-10: #10 does not hash to the signed head',
    ]);
  });

  it('reports missing readings and ranges no signed batch covers', async () => {
    edit("DELETE FROM readings WHERE device = 'dev-1' AND seq = 9; DELETE FROM batches WHERE from_seq = 4");
    const { chain } = await run();
    expect(chain.ok).toBe(false);
    expect(chain.problems).toEqual(
      expect.arrayContaining([
        'dev-1#9: missing from the reading store',
        'dev-1#11-12: covered by no signed batch',
      ]),
    );
  });

  it('names a batch whose signature or header was changed', async () => {
    edit(
      "UPDATE batches SET sig = (CASE WHEN substr(sig, 1, 1) = '0' THEN '1' ELSE '0' END) || substr(sig, 2) WHERE from_seq = 6",
    );
    edit('UPDATE batches SET head = prev WHERE from_seq = 1');
    const { signatures } = await run();
    expect(signatures.ok).toBe(false);
    expect(signatures.problems).toEqual([
      'batch dev-1#1-5: signature does not verify with the device key on the ledger',
      'batch dev-1#6-10: signature does not verify with the device key on the ledger',
    ]);
    const other = verifySignatures(device.id, testDevice().publicKey, await store.batches(device.id, 1, 12));
    expect(other.problems).toHaveLength(3);
  });
});
