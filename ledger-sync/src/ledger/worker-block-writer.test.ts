import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColdtrailError, canonicalJson, ErrorCode } from '@coldtrail/core';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderedTx } from './block-writer.js';
import { createIdentity } from './identities.js';
import { openLedgerDb, resolveLedgerPaths } from './ledger-db.js';
import { ValidationCode } from './ledger-records.js';
import { startWorkerBlockWriter } from './worker-block-writer.js';

let dir: string;
let db: Database.Database | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-commit-thread-'));
});
afterEach(async () => {
  db?.close();
  db = undefined;
  await rm(dir, { recursive: true, force: true });
});

const put = (
  txId: string,
  key: string,
  value: string,
  readVersion?: { block: number; tx: number } | null,
) => {
  const rwset = {
    reads: readVersion === undefined ? [] : [{ key, version: readVersion }],
    ranges: [],
    writes: [{ key, value: Buffer.from(value).toString('base64') }],
  };
  const tx: OrderedTx = { txId, rwset, envelope: canonicalJson({ payload: { txId, rwset } }) };
  return tx;
};

async function ready() {
  const paths = resolveLedgerPaths(dir);
  db = await openLedgerDb(paths);
  const { privateKey } = await createIdentity('CN=node');
  return { writer: await startWorkerBlockWriter(paths.dbFile, privateKey), db };
}

describe('the commit thread', () => {
  it('writes blocks on its own connection that the opener reads at once, with MVCC against committed state', async () => {
    const { writer, db } = await ready();
    const first = await writer.write([put('t1', 'k', 'one', null)], '2025-03-01T10:00:00.000Z');
    expect(first).toEqual([{ blockNumber: 0, validationCode: ValidationCode.Valid }]);
    // The second reads k as absent, but block 0 wrote it: recorded invalid, not applied.
    const second = await writer.write(
      [put('t2', 'k', 'two', null), put('t3', 'j', 'three')],
      '2025-03-01T10:00:01.000Z',
    );
    expect(second.map((o) => o.validationCode)).toEqual([
      ValidationCode.MvccReadConflict,
      ValidationCode.Valid,
    ]);
    const value = db.prepare('SELECT value FROM state WHERE key = ?').pluck().get(Buffer.from('k'));
    expect(Buffer.from(value as Buffer).toString()).toBe('one');
    expect(db.prepare('SELECT number, timestamp FROM blocks ORDER BY number').all()).toEqual([
      { number: 0, timestamp: '2025-03-01T10:00:00.000Z' },
      { number: 1, timestamp: '2025-03-01T10:00:01.000Z' },
    ]);
    await writer.close();
  });

  it('refuses a block SQLite will not take and keeps writing the next ones', async () => {
    const { writer, db } = await ready();
    await writer.write([put('t1', 'k', 'one')], '2025-03-01T10:00:00.000Z');
    // t1 again: the transactions table's primary key refuses it, and the whole block rolls back.
    const refused = writer.write([put('t9', 'x', 'x'), put('t1', 'k', 'again')], '2025-03-01T10:00:01.000Z');
    await expect(refused).rejects.toThrow(/UNIQUE constraint failed: transactions.tx_id/);
    expect(db.prepare('SELECT COUNT(*) FROM transactions').pluck().get()).toBe(1);
    expect(await writer.write([put('t2', 'k', 'two')], '2025-03-01T10:00:02.000Z')).toEqual([
      { blockNumber: 1, validationCode: ValidationCode.Valid },
    ]);
    await writer.close();
  });

  it('once closed, refuses writes; a database that is no ledger fails at start with the reason', async () => {
    const { writer } = await ready();
    await writer.close();
    await writer.close();
    await expect(writer.write([put('t1', 'k', 'v')], '2025-03-01T10:00:00.000Z')).rejects.toThrow(/closed/);
    const { privateKey } = await createIdentity('CN=node');
    const start = startWorkerBlockWriter(join(dir, 'absent.sqlite'), privateKey);
    await expect(start).rejects.toBeInstanceOf(ColdtrailError);
    await expect(start).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    await expect(start).rejects.toThrow(/cannot open the ledger database .*absent\.sqlite/);
  });
});
