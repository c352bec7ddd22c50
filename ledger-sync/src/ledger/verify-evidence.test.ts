import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSscc } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerClient } from './ledger-client.js';
import { openLedgerReader } from './ledger-reader.js';
import { buildSampleLedger, SAMPLE_ORG } from './sample-ledger.test-kit.js';

// A ledger whose shipment grew (two anchors, then completion); each test edits its own copy at rest and asks
// the reader for the shipment in a snapshot, then checks the evidence of that answer.
const _ORG = SAMPLE_ORG;
const SSCC = makeSscc(0, '3761234', 8);
let root: string;
let pristine: string;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-evidence-'));
  pristine = join(root, 'pristine');
  await buildSampleLedger(pristine, SSCC); // blocks 0..4, one transaction each
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function answer(edit?: (db: Database.Database) => void) {
  const dir = join(root, `copy-${++n}`);
  await cp(pristine, dir, { recursive: true });
  if (edit) {
    const db = new Database(join(dir, 'ledger.sqlite'));
    edit(db);
    db.close();
  }
  const reader = await openLedgerReader(dir);
  try {
    return await reader.snapshot(async (session) => {
      const view = await createLedgerClient(session.port).provenance(SSCC);
      return { view, report: await session.verifyEvidence() };
    });
  } finally {
    await reader.close();
  }
}

describe('verifyEvidence: the state an answer used, against the transactions that wrote it', () => {
  it('passes on an untouched ledger and counts the values the answer read', async () => {
    const { view, report } = await answer();
    expect(view?.shipment.status).toBe('completed');
    expect(report.ok).toBe(true);
    expect(report.stateValues).toBeGreaterThanOrEqual(4); // shipment, device, custody, anchors at least
    expect(report.tip?.number).toBe(4);
  });

  it('finds a state row put back to an older value with its older version (a stale row)', async () => {
    const { report } = await answer((db) => {
      // The shipment key as the create transaction wrote it, version and all: the completion is undone.
      const key = db
        .prepare('SELECT key FROM state WHERE CAST(value AS TEXT) LIKE \'%"status":"completed"%\'')
        .pluck()
        .get() as Buffer;
      const first = db
        .prepare('SELECT * FROM history WHERE key = ? ORDER BY block_number, tx_index LIMIT 1')
        .get(key) as { value: Buffer; block_number: number; tx_index: number };
      db.prepare('UPDATE state SET value = ?, block_number = ?, tx_index = ? WHERE key = ?').run(
        first.value,
        first.block_number,
        first.tx_index,
        key,
      );
    });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.message).join('\n')).toMatch(/differs from what transaction|version/);
  });

  it('finds a row deleted from a range the answer scanned (an anchor made to vanish)', async () => {
    const { view, report } = await answer((db) => {
      const keys = db.prepare('SELECT key, value FROM state').all() as { key: Buffer; value: Buffer }[];
      const anchor = keys.find((k) => k.value.toString('utf8').includes('"root":"dddd'));
      db.prepare('DELETE FROM state WHERE key = ?').run(anchor?.key);
    });
    expect(view?.anchors).toHaveLength(1);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => /is missing from the state/.test(p.message))).toBe(true);
  });

  it('finds a block whose node signature was changed, without replaying read sets', async () => {
    const { report } = await answer((db) => {
      db.prepare("UPDATE blocks SET signature = '00' || substr(signature, 3) WHERE number = 2").run();
    });
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.check === 'block-signature' && p.block === 2)).toBe(true);
  });
});
