import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, ErrorCode } from '@coldtrail/core';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlockCommitter } from './block-committer.js';
import { inlineBlockWriter } from './block-writer.js';
import { type EmbeddedLedger, openEmbeddedLedger } from './embedded-ledger.js';
import { withHistory } from './history-reader.js';
import { createIdentity, createOrgIdentity } from './identities.js';
import { openLedgerDb, prepareStatements, resolveLedgerPaths } from './ledger-db.js';
import { type KeyWrite, ValidationCode } from './ledger-records.js';
import { validateRwSet } from './mvcc.js';
import {
  type KeyModification,
  type QueryResponseMetadata,
  SimulationStub,
  type StateReader,
} from './simulation-stub.js';
import { dbStateReader, versionReader } from './state-reader.js';

// The stub's paginated range queries and key history over a real ledger database in a temp dir, written by the
// real block committer; then the contract's paginated queries through the embedded ledger.
let dir: string;
let db: Database.Database | undefined;
let ledger: EmbeddedLedger | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-stub-'));
});
afterEach(async () => {
  db?.close();
  db = undefined;
  await ledger?.close();
  ledger = undefined;
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2025-03-01T08:00:00.000Z');

async function committedLedger() {
  db = await openLedgerDb(resolveLedgerPaths(dir));
  const statements = prepareStatements(db);
  const { privateKey } = await createIdentity('CN=node');
  const committer = new BlockCommitter({
    writer: inlineBlockWriter(db, statements, privateKey),
    now: () => T0,
    blockMaxTx: 1,
    blockTimeoutMs: 0,
  });
  let n = 0;
  const commit = async (writes: Record<string, string | null>) => {
    n++;
    const txId = `tx${n}`;
    const rw: KeyWrite[] = Object.entries(writes).map(([key, v]) => ({
      key,
      value: v === null ? null : Buffer.from(v).toString('base64'),
    }));
    const rwset = { reads: [], ranges: [], writes: rw };
    // The history reader takes the timestamp from the stored envelope, as the ledger stores it.
    const envelope = canonicalJson({
      payload: { txId, timestamp: new Date(T0 + n * 1000).toISOString(), rwset },
    });
    await committer.enqueue({ txId, rwset, envelope });
    return txId;
  };
  const reader: StateReader = withHistory(dbStateReader(statements), db);
  return { commit, reader };
}

const stub = (reader: StateReader) =>
  new SimulationStub({
    channel: 'c',
    txId: 'sim',
    nonce: '00',
    timestampMs: T0,
    creator: { mspid: 'Org1MSP', certificate: 'x' },
    fn: 'f',
    args: [],
    peerMspId: 'NodeMSP',
    reader,
  });

async function drain<T>(it: { next(): Promise<{ value?: T; done?: boolean }> }): Promise<T[]> {
  const out: T[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) out.push(r.value as T);
  return out;
}

type Iter<T> = { next(): Promise<{ value?: T; done?: boolean }> };
const historyOf = async (s: SimulationStub, key: string) =>
  drain((await s.getHistoryForKey(key)) as Iter<KeyModification>);

describe('paginated range queries', () => {
  it('walk a long composite-key list exactly once with bookmarks, and record each page for MVCC', async () => {
    const { commit, reader } = await committedLedger();
    const s0 = stub(reader);
    const keyOf = (i: number) => s0.createCompositeKey('item', ['a', String(i).padStart(3, '0')]);
    for (let i = 0; i < 23; i++) await commit({ [keyOf(i)]: `v${i}` });
    await commit({ [s0.createCompositeKey('item', ['b', '000'])]: 'other list' });

    const seen: string[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const s = stub(reader);
      const { iterator, metadata } = (await s.getStateByPartialCompositeKeyWithPagination(
        'item',
        ['a'],
        5,
        bookmark,
      )) as {
        iterator: { next(): Promise<{ value?: { key: string; value: Buffer }; done?: boolean }> };
        metadata: QueryResponseMetadata;
      };
      const rows = await drain(iterator);
      expect(metadata.fetchedRecordsCount).toBe(rows.length);
      seen.push(...rows.map((r) => r.value.toString()));
      const [range] = s.rwset().ranges;
      const last = rows[rows.length - 1]?.key as string;
      // A full page covers [start, last key]; the last (short) page the whole rest of the range.
      expect(range?.end).toBe(
        rows.length === 5 ? `${last}\u0000` : `${s.createCompositeKey('item', ['a'])}\u{10ffff}`,
      );
      expect(metadata.bookmark).toBe(rows.length === 5 && pages < 4 ? keyOf((pages + 1) * 5) : '');
      bookmark = metadata.bookmark;
      pages++;
    } while (bookmark !== '');
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `v${i}`));
  });

  it('detect a phantom inside a page but not after it, as Fabric validates the range it read', async () => {
    const { commit, reader } = await committedLedger();
    for (const k of ['k1', 'k3', 'k5', 'k7']) await commit({ [k]: k });
    const s = stub(reader);
    const res = (await s.getStateByRangeWithPagination('k0', 'k9', 2, '')) as {
      metadata: QueryResponseMetadata;
    };
    expect(res.metadata).toEqual({ fetchedRecordsCount: 2, bookmark: 'k5' });
    const rwset = s.rwset();
    const versions = versionReader(reader);
    await commit({ k6: 'after the page' });
    expect(validateRwSet(rwset, versions)).toBe(ValidationCode.Valid);
    await commit({ k2: 'inside the page' });
    expect(validateRwSet(rwset, versions)).toBe(ValidationCode.PhantomReadConflict);
  });

  it('are for read-only transactions only, as on a peer', async () => {
    const { commit, reader } = await committedLedger();
    await commit({ k1: 'v' });
    const afterWrite = stub(reader);
    await afterWrite.putState('x', Buffer.from('1'));
    expect(() => afterWrite.getStateByRangeWithPagination('k', 'l', 5, '')).toThrow(
      /only in a read-only transaction/,
    );
    const beforeWrite = stub(reader);
    await beforeWrite.getStateByRangeWithPagination('k', 'l', 5, '');
    await expect(beforeWrite.putState('x', Buffer.from('1'))).rejects.toThrow(/Writes are not allowed/);
    await expect(beforeWrite.deleteState('x')).rejects.toThrow(/Writes are not allowed/);
    expect(() => stub(reader).getStateByRangeWithPagination('k', 'l', 0, '')).toThrow(/pageSize/);
  });
});

describe('getHistoryForKey', () => {
  it('returns every committed version, deletes included, newest first, with the tx timestamp', async () => {
    const { commit, reader } = await committedLedger();
    const t1 = await commit({ k: 'one', other: 'x' });
    const t2 = await commit({ k: 'two' });
    const t3 = await commit({ k: null });
    await commit({ other: 'y' });
    const t5 = await commit({ k: 'three' });
    const s = stub(reader);
    const mods = await historyOf(s, 'k');
    expect(mods.map((m) => [m.txId, m.isDelete, m.value.toString()])).toEqual([
      [t5, false, 'three'],
      [t3, true, ''],
      [t2, false, 'two'],
      [t1, false, 'one'],
    ]);
    expect(mods[0]?.timestamp).toEqual({ seconds: (T0 + 5000) / 1000, nanos: 0 });
    // Not in the read set: Fabric does not validate history reads.
    expect(s.rwset()).toEqual({ reads: [], ranges: [], writes: [] });
    expect(await historyOf(stub(reader), 'never')).toEqual([]);
  });
});

describe('the contract on the embedded ledger', () => {
  it('pages a disposition trail and its key history with bookmarks, every step once', async () => {
    const paths = resolveLedgerPaths(dir);
    await createOrgIdentity(paths.keysDir, 'QualityOrgMSP', { 'coldtrail.role': 'quality' });
    await expect(createOrgIdentity(paths.keysDir, 'QualityOrgMSP', {})).rejects.toThrow(/never replaced/);
    ledger = await openEmbeddedLedger({ path: dir });
    const carrier = ledger.port('CarrierOrgMSP');
    const qp = ledger.port('QualityOrgMSP');
    const subject = { gtin: '07612345678900', lot: 'L7' };
    const set = (action: string, reason: string | null) =>
      JSON.stringify({ subject, action, signer: 'Q. Person', reason });
    const txIds: string[] = [];
    for (let i = 0; i < 7; i++) {
      txIds.push((await carrier.submit('SetDisposition', [set('quarantine', null)])).txId);
      txIds.push((await qp.submit('SetDisposition', [set('release', `batch record ${i} reviewed`)])).txId);
    }
    await carrier.submit('SetDisposition', [set('quarantine', 'x')]);
    // The org's default identity carries no role: the contract refuses it a release.
    await expect(carrier.submit('SetDisposition', [set('release', 'x')])).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
      message: expect.stringMatching(/needs a certificate with attribute coldtrail\.role=quality/),
    });
    const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString('utf8'));
    const trail: { seq: number; txId: string; caller: { msp: string } }[] = [];
    let bookmark = '';
    do {
      const page = json(
        await carrier.evaluate('GetDispositionTrail', [JSON.stringify(subject), '4', bookmark]),
      );
      trail.push(...page.records);
      bookmark = page.bookmark;
    } while (bookmark !== '');
    expect(trail.map((s) => s.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(trail.slice(0, 14).map((s) => s.txId)).toEqual(txIds);
    expect(trail[1]?.caller.msp).toBe('QualityOrgMSP');

    const history: { txId: string; isDelete: boolean }[] = [];
    do {
      const page = json(
        await carrier.evaluate('GetHistory', [
          'disposition',
          JSON.stringify(['lot', subject.gtin, 'L7']),
          '6',
          bookmark,
        ]),
      );
      history.push(...page.records);
      bookmark = page.bookmark;
    } while (bookmark !== '');
    expect(history.map((h) => h.txId)).toEqual([...trail.map((s) => s.txId)].reverse());
    expect((await ledger.verify()).ok).toBe(true);
  });
});
