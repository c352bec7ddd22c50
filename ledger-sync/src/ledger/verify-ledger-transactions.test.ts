// Tampering with the transaction records at rest: an envelope, a validation code.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sampleLedgerCopies } from './sample-ledger-copies.test-kit.js';
import { verifyLedger } from './verify-ledger.js';

const t = sampleLedgerCopies();

describe('verifyLedger: transactions', () => {
  it('detects a changed transaction record', async () => {
    t.sql(
      `UPDATE transactions SET envelope = replace(envelope, ?, ?) WHERE block_number = 2`,
      '"count\\":5',
      '"count\\":6',
    );
    const db = new Database(join(t.copy, 'ledger.sqlite'), { readonly: true });
    const changed = db
      .prepare(`SELECT envelope FROM transactions WHERE block_number = 2`)
      .pluck()
      .get() as string;
    db.close();
    expect(changed).toContain('count\\":6'); // the edit really happened
    const report = await verifyLedger(t.copy);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ block: 2, check: 'data-hash' });
    expect(report.problems.map((p) => p.check)).toContain('tx-signature');
  });

  it('detects a flipped validation code', async () => {
    t.sql(`UPDATE transactions SET validation_code = 'MVCC_READ_CONFLICT' WHERE block_number = 1`);
    const report = await verifyLedger(t.copy);
    expect(report.problems[0]).toMatchObject({ block: 1, check: 'data-hash' });
    expect(report.problems.map((p) => p.check)).toEqual(expect.arrayContaining(['tx-validation', 'state']));
  });
});
