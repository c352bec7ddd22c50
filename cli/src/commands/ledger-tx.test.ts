import { readFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSscc } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { ledgerSyncDir } from '../data-dir.js';
import { Exit } from '../exit-codes.js';
import { sampleLedgerPerFile, sql } from './ledger-browse.test-kit.js';
import { ledgerTx } from './ledger-tx.js';

const SSCC = makeSscc(0, '3761234', 35);
// blocks 0..4, one transaction each
const { root, dataDir, out, capture } = sampleLedgerPerFile('ledger-tx', SSCC);

/** The stored row of the transaction in block `n`. */
const row = (n: number, dir = dataDir) =>
  sql(dir, (db) => db.prepare('SELECT * FROM transactions WHERE block_number = ?').get(n)) as {
    tx_id: string;
    envelope: string;
  };

describe('ledgerTx', () => {
  it('shows the transaction with readable keys, its creator and signature as stored, and that both verify', async () => {
    capture();
    const { tx_id, envelope } = row(1);
    const stored = JSON.parse(envelope);
    await ledgerTx(tx_id.toUpperCase(), { dataDir, json: true });
    const tx = JSON.parse(out.join(''));
    const orgCert = readFileSync(
      join(ledgerSyncDir(dataDir), 'ledger-keys', 'msp', 'ColdtrailOrgMSP', 'cert.pem'),
      'utf8',
    );
    expect(tx).toMatchObject({
      txId: tx_id,
      blockNumber: 1,
      txIndex: 0,
      validationCode: 'VALID',
      fn: 'CreateShipment',
      args: stored.payload.args,
      timestamp: stored.payload.timestamp,
      creator: { mspid: 'ColdtrailOrgMSP', certificate: orgCert },
      signature: stored.signature,
      signatureValid: true,
      creatorTrusted: true,
      response: { status: 200, value: { sscc: SSCC, status: 'in-transit' } },
    });
    expect(tx.rwset.reads).toContainEqual({ key: 'device/probe-1', version: { block: 0, tx: 0 } });
    expect(tx.rwset.writes).toContainEqual({
      key: `shipment/${SSCC}`,
      isDelete: false,
      value: expect.objectContaining({ sscc: SSCC, device: 'probe-1', status: 'in-transit' }),
    });
    expect(JSON.stringify(tx)).not.toContain('\\u0000');
    expect(tx.event).toMatchObject({ name: expect.any(String) });
  });

  it('shows a partial-key range readably, its U+10FFFF end escaped', async () => {
    capture();
    await ledgerTx(row(4).tx_id, { dataDir, json: true });
    const tx = JSON.parse(out.join(''));
    expect(tx.fn).toBe('CompleteShipment');
    expect(tx.rwset.ranges).toContainEqual({
      start: `excursion/${SSCC}`,
      end: `excursion/${SSCC}/\\u{10FFFF}`,
      reads: [],
    });
  });

  it('prints it readably', async () => {
    capture();
    const { tx_id } = row(1);
    await ledgerTx(tx_id, { dataDir });
    const text = out.join('');
    expect(text).toMatch(new RegExp(`^transaction ${tx_id}\n  block        1, index 0, VALID\n`));
    expect(text).toMatch(/\n {2}function {5}CreateShipment\n/);
    expect(text).toMatch(/\n {2}creator {6}ColdtrailOrgMSP\n {2}signature {4}valid /);
    expect(text).toContain('\n    device/probe-1 @ 0.0\n');
    expect(text).toContain(`\n    shipment/${SSCC} = {`);
  });

  it('says when the stored signature does not verify', async () => {
    const copy = join(root, 'bad-signature');
    await cp(dataDir, copy, { recursive: true });
    const { tx_id, envelope } = row(2, copy);
    const { signature } = JSON.parse(envelope);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    sql(copy, (db) =>
      db
        .prepare('UPDATE transactions SET envelope = replace(envelope, ?, ?) WHERE tx_id = ?')
        .run(signature, flipped, tx_id),
    );
    capture();
    await ledgerTx(tx_id, { dataDir: copy, json: true });
    expect(JSON.parse(out.join(''))).toMatchObject({
      signature: flipped,
      signatureValid: false,
      creatorTrusted: true,
    });
    out.length = 0;
    await ledgerTx(tx_id, { dataDir: copy });
    expect(out.join('')).toMatch(/signature {4}INVALID/);
  });

  it('exits 4 for an id the ledger does not hold and 2 for one that is no id', async () => {
    await expect(ledgerTx('ab'.repeat(32), { dataDir })).rejects.toMatchObject({
      exitCode: Exit.NotFound,
      message: `no transaction ${'ab'.repeat(32)} on this ledger (see ledger blocks)`,
    });
    for (const bad of ['', 'abc', 'g'.repeat(64), 'a'.repeat(65)]) {
      await expect(ledgerTx(bad, { dataDir })).rejects.toMatchObject({
        exitCode: Exit.Usage,
        message: expect.stringMatching(/is not a transaction id: 64 hex digits/),
      });
    }
    await expect(ledgerTx('ab'.repeat(32), { dataDir: join(root, 'nothing') })).rejects.toMatchObject({
      exitCode: Exit.NotFound,
      message: expect.stringMatching(/no coldtrail data in/),
    });
  });
});
