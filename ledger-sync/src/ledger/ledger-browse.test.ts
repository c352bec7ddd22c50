import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, makeSscc } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compositeKey, openLedgerBrowser, parseReadableKey, showValue } from './ledger-browse.js';
import { buildSampleLedger } from './sample-ledger.test-kit.js';

const SSCC = makeSscc(0, '3761234', 14);
let root: string;
let ledger: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-browse-'));
  ledger = join(root, 'ledger');
  await buildSampleLedger(ledger, SSCC); // blocks 0..4, one transaction each
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('composite keys', () => {
  it('builds them as fabric-shim createCompositeKey does, from type/part/part', () => {
    expect(compositeKey('device', ['probe-1'])).toBe('\u0000device\u0000probe-1\u0000');
    expect(parseReadableKey('anchor/probe-1/0000000000000006')).toBe(
      '\u0000anchor\u0000probe-1\u00000000000000000006\u0000',
    );
    expect(parseReadableKey('anchorhead')).toBe('\u0000anchorhead\u0000');
    for (const bad of ['', '/x', 'shipment/', 'a//b'])
      expect(() => parseReadableKey(bad)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
    expect(() => compositeKey('a', ['b\u0000c'])).toThrow(/U\+0000/);
  });

  it('shows JSON values parsed and other bytes as base64', () => {
    expect(showValue(Buffer.from('{"a":1}'))).toEqual({ value: { a: 1 } });
    expect(showValue(Buffer.from([0xff, 0x00]))).toEqual({ value: '/wA=', encoding: 'base64' });
    expect(showValue(Buffer.from('plain'))).toEqual({ value: 'cGxhaW4=', encoding: 'base64' });
  });
});

describe('openLedgerBrowser', () => {
  it('pages through blocks and history across page boundaries, in order, as the tables hold them', async () => {
    const db = new Database(join(ledger, 'ledger.sqlite'), { readonly: true });
    const hashes = db.prepare('SELECT hash FROM blocks ORDER BY number').pluck().all();
    const txIds = db.prepare('SELECT tx_id FROM transactions ORDER BY block_number').pluck().all();
    db.close();
    for (const pageSize of [1, 2, 200]) {
      const browser = openLedgerBrowser(ledger, { pageSize });
      try {
        expect(browser.tipNumber()).toBe(4);
        const all = [...browser.blocks({ from: 0, limit: 100 })];
        expect(all.map((b) => b.hash)).toEqual(hashes);
        expect(all.map((b) => b.transactions.map((t) => t.txId))).toEqual(txIds.map((t) => [t]));
        expect([...browser.blocks({ from: 1, limit: 3 })].map((b) => b.number)).toEqual([1, 2, 3]);
        expect([...browser.blocks({ from: 5, limit: 3 })]).toEqual([]);
        const versions = [...browser.history(compositeKey('shipment', [SSCC]))];
        expect(versions.map((v) => [v.blockNumber, v.txId])).toEqual([
          [1, txIds[1]],
          [4, txIds[4]],
        ]);
        expect(versions.map((v) => (v.value as { status: string }).status)).toEqual([
          'in-transit',
          'completed',
        ]);
      } finally {
        browser.close();
        browser.close();
      }
    }
  });

  it('reads the same snapshot for a whole listing while a writer appends', async () => {
    const copy = join(root, 'snapshot');
    await cp(ledger, copy, { recursive: true });
    // The writer (a running server) holds the database first, as it does: WAL, with its -wal and -shm files.
    const writer = new Database(join(copy, 'ledger.sqlite'));
    writer.pragma('journal_mode = WAL');
    const browser = openLedgerBrowser(copy, { pageSize: 1 });
    try {
      const listing = browser.blocks({ from: 0, limit: 100 });
      expect(listing.next().value).toMatchObject({ number: 0 });
      // A block appended mid-listing (a bare row: the browser checks nothing) is not in this listing.
      writer.prepare("INSERT INTO blocks VALUES (5, 'p', 'd', '2030-01-01T00:00:00.000Z', 'h', 's')").run();
      expect([...listing].map((b) => b.number)).toEqual([1, 2, 3, 4]);
      expect(browser.tipNumber()).toBe(5);
    } finally {
      writer.close();
      browser.close();
    }
  });

  it('refuses a missing ledger as verify does', () => {
    expect(() => openLedgerBrowser(join(root, 'nothing'))).toThrow(
      expect.objectContaining({ code: ErrorCode.Corrupted, message: expect.stringMatching(/no ledger at/) }),
    );
  });
});
