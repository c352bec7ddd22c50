import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSscc } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { describeFailure, Exit } from '../exit-codes.js';
import { sampleLedgerPerFile, sql } from './ledger-browse.test-kit.js';
import { ledgerHistory } from './ledger-history.js';

const SSCC = makeSscc(0, '3761234', 42);
// blocks 0..4, one transaction each
const { root, dataDir, out, capture, json } = sampleLedgerPerFile('ledger-history', SSCC);

const txs = (dir = dataDir) =>
  sql(dir, (db) => db.prepare('SELECT tx_id, envelope FROM transactions ORDER BY block_number').all()) as {
    tx_id: string;
    envelope: string;
  }[];
const timestampOf = (t: { envelope: string } | undefined) =>
  JSON.parse(t?.envelope ?? '{}').payload.timestamp;

describe('ledgerHistory', () => {
  it('lists every version of a composite key, oldest first, with the writing transaction and its time', async () => {
    capture();
    await ledgerHistory(`shipment/${SSCC}`, { dataDir, json: true });
    const all = txs();
    expect(json()).toEqual({
      key: `shipment/${SSCC}`,
      versions: [
        {
          blockNumber: 1,
          txIndex: 0,
          txId: all[1]?.tx_id,
          timestamp: timestampOf(all[1]),
          value: expect.objectContaining({ sscc: SSCC, status: 'in-transit' }),
          isDelete: false,
        },
        {
          blockNumber: 4,
          txIndex: 0,
          txId: all[4]?.tx_id,
          timestamp: timestampOf(all[4]),
          value: expect.objectContaining({ sscc: SSCC, status: 'completed', toSeq: 9 }),
          isDelete: false,
        },
      ],
    });
  });

  it('takes the stored composite key with --raw', async () => {
    capture();
    await ledgerHistory('\u0000device\u0000probe-1\u0000', { dataDir, json: true, raw: true });
    const raw = json();
    await ledgerHistory('device/probe-1', { dataDir, json: true });
    expect(json().versions).toEqual(raw.versions);
    expect(raw.versions).toMatchObject([
      { blockNumber: 0, value: { id: 'probe-1', publicKey: 'ab'.repeat(32) } },
    ]);
  });

  it('prints one line per version, and marks a delete', async () => {
    const copy = join(root, 'deleted');
    await cp(dataDir, copy, { recursive: true });
    const deleter = 'e'.repeat(64);
    // A delete (the contract has none yet): a history row without value, added at rest.
    sql(copy, (db) =>
      db
        .prepare('INSERT INTO history (key, block_number, tx_index, tx_id, value) VALUES (?, 4, 1, ?, NULL)')
        .run(Buffer.from(`\u0000shipment\u0000${SSCC}\u0000`), deleter),
    );
    capture();
    await ledgerHistory(`shipment/${SSCC}`, { dataDir: copy });
    const lines = out.splice(0).join('').split('\n');
    const all = txs(copy);
    expect(lines[0]).toMatch(
      new RegExp(
        `^block 1\\.0  ${timestampOf(all[1])}  tx ${all[1]?.tx_id}  \\{".*"sscc":"${SSCC}","status":"in-transit"`,
      ),
    );
    expect(lines[2]).toBe(`block 4.1  ?  tx ${deleter}  (deleted)`);
    await ledgerHistory(`shipment/${SSCC}`, { dataDir: copy, json: true });
    expect(json().versions[2]).toEqual({
      blockNumber: 4,
      txIndex: 1,
      txId: deleter,
      timestamp: null,
      value: null,
      isDelete: true,
    });
  });

  it('exits 4 for a key that never had a value and 2 for a key that is not type/part/part', async () => {
    await expect(ledgerHistory('device/probe-9', { dataDir })).rejects.toMatchObject({
      exitCode: Exit.NotFound,
      message: expect.stringMatching(/^no history for key device\/probe-9 on this ledger/),
    });
    await expect(ledgerHistory('device/probe-1', { dataDir, raw: true })).rejects.toMatchObject({
      exitCode: Exit.NotFound,
    });
    for (const bad of ['', 'device/', '/probe-1', 'a//b']) {
      const failure = describeFailure(await ledgerHistory(bad, { dataDir }).catch((e) => e));
      expect(failure).toMatchObject({ exitCode: Exit.Usage });
      expect(failure).not.toHaveProperty('stack');
    }
  });
});
