// Tampering with the state and history rows at rest: a value, a transaction id, a version.
import { describe, expect, it } from 'vitest';
import { anchorKey, sampleLedgerCopies } from './sample-ledger-copies.test-kit.js';
import { verifyLedger } from './verify-ledger.js';

const t = sampleLedgerCopies();

describe('verifyLedger: state and history', () => {
  it('detects a changed anchor root in the state and names the anchoring block', async () => {
    t.sql(
      `UPDATE state SET value = CAST(replace(CAST(value AS TEXT), ?, ?) AS BLOB) WHERE key = ?`,
      'd'.repeat(64),
      'e'.repeat(64),
      anchorKey(6),
    );
    const report = await verifyLedger(t.copy);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ block: 3, check: 'state' });
    expect(report.problems[0]?.message).toMatch(
      /state key anchor\/probe-1\/0000000000000006 differs .* block 3/,
    );
  });

  it('detects a changed history value and a changed history transaction id', async () => {
    t.sql(
      `UPDATE history SET value = CAST(replace(CAST(value AS TEXT), ?, ?) AS BLOB) WHERE key = ?`,
      'd'.repeat(64),
      'e'.repeat(64),
      anchorKey(6),
    );
    expect((await verifyLedger(t.copy)).problems).toMatchObject([
      {
        block: 3,
        check: 'history',
        message: expect.stringMatching(/history of key anchor\/probe-1\/0000000000000006/),
      },
    ]);

    await t.restore();
    t.sql(`UPDATE history SET tx_id = ? WHERE key = ?`, 'f'.repeat(64), anchorKey(1));
    expect((await verifyLedger(t.copy)).problems).toMatchObject([{ block: 2, check: 'history' }]);
  });

  it('detects a changed state version', async () => {
    t.sql(`UPDATE state SET block_number = 1 WHERE key = ?`, anchorKey(6));
    const report = await verifyLedger(t.copy);
    expect(report.problems).toMatchObject([
      {
        block: 1,
        check: 'state',
        message: expect.stringMatching(/has version 1\.0, but the ledger last wrote it in block 3/),
      },
    ]);
  });
});
