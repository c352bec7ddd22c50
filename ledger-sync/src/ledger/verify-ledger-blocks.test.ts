// Tampering with the blocks at rest (a header, a re-hashed block, a removed block), the node certificate
// that signs them, and a ledger that is missing, empty or emptied.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { anchorKey, sampleLedgerCopies } from './sample-ledger-copies.test-kit.js';
import { verifyLedger } from './verify-ledger.js';

const t = sampleLedgerCopies();

describe('verifyLedger: blocks', () => {
  it('detects a changed block record and names it', async () => {
    t.sql(`UPDATE blocks SET timestamp = '2020-01-01T00:00:00.000Z' WHERE number = 3`);
    const report = await verifyLedger(t.copy);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ block: 3, check: 'block-hash' });
    expect(report.problems[0]?.message).toMatch(/^block 3: its header hashes to/);
  });

  it('detects a re-hashed block by its broken signature and link', async () => {
    const { blockHash } = await import('./ledger-records.js');
    const db = new Database(join(t.copy, 'ledger.sqlite'));
    const b = db.prepare('SELECT * FROM blocks WHERE number = 2').get() as {
      prev_hash: string;
      data_hash: string;
    };
    const header = {
      number: 2,
      prevHash: b.prev_hash,
      dataHash: b.data_hash,
      timestamp: '2020-01-01T00:00:00.000Z',
    };
    db.prepare('UPDATE blocks SET timestamp = ?, hash = ? WHERE number = 2').run(
      header.timestamp,
      blockHash(header),
    );
    db.close();
    const report = await verifyLedger(t.copy);
    expect(report.problems.map((p) => [p.block, p.check])).toEqual([
      [2, 'block-signature'],
      [3, 'block-link'],
    ]);
  });

  it('detects a removed block and a removed state row', async () => {
    t.sql('DELETE FROM blocks WHERE number = 1');
    const report = await verifyLedger(t.copy);
    expect(report.problems[0]).toMatchObject({ block: 1, check: 'tx-record' });
    expect(report.problems.map((p) => p.check)).toEqual(expect.arrayContaining(['block-sequence']));

    await t.restore();
    t.sql('DELETE FROM state WHERE key = ?', anchorKey(1));
    expect((await verifyLedger(t.copy)).problems[0]).toMatchObject({ block: 2, check: 'state' });
  });

  it('reports a missing or foreign node certificate', async () => {
    await writeFile(join(t.copy, 'ledger-keys', 'node', 'cert.pem'), 'garbage');
    const report = await verifyLedger(t.copy);
    expect(report.problems[0]).toMatchObject({ block: null, check: 'node-identity' });
  });

  it('calls a missing, empty or emptied ledger "not a ledger" (CORRUPTED), never intact', async () => {
    await expect(verifyLedger(join(t.root, 'nothing-here'))).rejects.toMatchObject({
      code: ErrorCode.Corrupted,
      message: expect.stringMatching(/no ledger at .*: it is missing/),
    });
    const empty = join(t.root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'ledger.sqlite'), '');
    await expect(verifyLedger(empty)).rejects.toMatchObject({
      code: ErrorCode.Corrupted,
      message: expect.stringMatching(
        /is not a coldtrail ledger \(no blocks, history, state, transactions tables\)/,
      ),
    });
    const emptied = join(t.root, 'emptied');
    cpSync(t.copy, emptied, { recursive: true });
    const db = new Database(join(emptied, 'ledger.sqlite'));
    db.exec('DELETE FROM blocks; DELETE FROM transactions; DELETE FROM history; DELETE FROM state;');
    db.close();
    expect(await verifyLedger(emptied)).toMatchObject({
      ok: false,
      blocks: 0,
      tip: null,
      problems: [{ message: expect.stringMatching(/holds no blocks: it is not a ledger/) }],
    });
  });
});
