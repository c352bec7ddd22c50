// The tip verifyLedger reports, and the checkpoint it checks against (`expectTip`): the one thing that
// catches a tail cut consistently off the end.
import { join } from 'node:path';
import { ErrorCode } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openEmbeddedLedger } from './embedded-ledger.js';
import { sampleLedgerCopies } from './sample-ledger-copies.test-kit.js';
import { verifyLedger } from './verify-ledger.js';

const t = sampleLedgerCopies();

describe('verifyLedger: tip', () => {
  it('passes an untouched copy and reports its tip', async () => {
    expect(await verifyLedger(t.copy)).toEqual({
      ok: true,
      blocks: 5,
      transactions: 5,
      tip: { number: 4, hash: t.blockHashAt(4), timestamp: expect.stringMatching(/Z$/) },
      problems: [],
    });
  });

  it('checks an expected tip: reached, and the block there has the expected hash', async () => {
    const tip = { number: 4, hash: t.blockHashAt(4) };
    expect((await verifyLedger(t.copy, { expectTip: tip })).ok).toBe(true);
    // A tip seen earlier still holds once the ledger has grown past it; upper-case hex is the same hash.
    expect(
      (await verifyLedger(t.copy, { expectTip: { number: 2, hash: t.blockHashAt(2).toUpperCase() } })).ok,
    ).toBe(true);
    expect((await verifyLedger(t.copy, { expectTip: { hash: t.blockHashAt(3) } })).ok).toBe(true);
    const forked = await verifyLedger(t.copy, { expectTip: { number: 2, hash: t.blockHashAt(3) } });
    expect(forked.problems).toEqual([
      {
        block: 2,
        check: 'tip',
        message: expect.stringMatching(/^block 2 hashes to [0-9a-f]{64}, not the expected/),
      },
    ]);
    await expect(verifyLedger(t.copy, { expectTip: { number: -1 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
    });
    await expect(verifyLedger(t.copy, { expectTip: { hash: 'abc' } })).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
    });
    const ledger = await openEmbeddedLedger({ path: t.copy });
    try {
      expect(await ledger.verify({ expectTip: tip })).toMatchObject({ ok: true, tip });
      expect((await ledger.verify({ expectTip: { number: 5 } })).problems).toMatchObject([
        { block: 5, check: 'tip' },
      ]);
    } finally {
      await ledger.close();
    }
  });

  it('cannot see a tail cut consistently off the end, unless given the tip recorded before', async () => {
    const original = { number: 4, hash: t.blockHashAt(4) };
    // Someone with SQL access drops blocks 3 and 4 (the last anchor and the completion) with their
    // transactions and history, and rebuilds the state from the remaining history.
    const db = new Database(join(t.copy, 'ledger.sqlite'));
    db.exec(`
      DELETE FROM transactions WHERE block_number >= 3;
      DELETE FROM history WHERE block_number >= 3;
      DELETE FROM blocks WHERE number >= 3;
      DELETE FROM state;
      INSERT INTO state (key, value, block_number, tx_index)
        SELECT key, value, block_number, tx_index FROM history h
        WHERE value IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM history later WHERE later.key = h.key
            AND (later.block_number, later.tx_index) > (h.block_number, h.tx_index));
    `);
    db.close();

    // The limit of replay: everything it checks is in the one database, so the shorter ledger is intact.
    const alone = await verifyLedger(t.copy);
    expect(alone).toMatchObject({ ok: true, blocks: 3, transactions: 3, tip: { number: 2 } });
    expect(alone.tip?.hash).toBe(t.blockHashAt(2));

    const report = await verifyLedger(t.copy, { expectTip: original });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        block: 4,
        check: 'tip',
        message: 'the ledger ends at block 2 but block 4 was expected: blocks were cut off its end',
      },
    ]);
    expect((await verifyLedger(t.copy, { expectTip: { number: 3 } })).problems[0]?.check).toBe('tip');
    expect((await verifyLedger(t.copy, { expectTip: { hash: original.hash } })).problems).toMatchObject([
      { block: null, check: 'tip' },
    ]);
  });
});
