import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { makeSscc } from '@coldtrail/core';
import { createLedgerClient, openEmbeddedLedger } from '@coldtrail/ledger-sync';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ledgerSyncDir } from '../data-dir.js';
import { describeFailure, Exit } from '../exit-codes.js';
import { ledgerBlocks } from './ledger-blocks.js';
import { sampleLedgerPerFile } from './ledger-browse.test-kit.js';
import { ledgerHistory } from './ledger-history.js';
import { ledgerTx } from './ledger-tx.js';

const SSCC = makeSscc(0, '3761234', 21);
// blocks 0..4, one transaction each
const { root, dataDir, out, capture, json } = sampleLedgerPerFile('ledger-blocks', SSCC);

/** The blocks table and its transactions as stored, read with a plain connection. */
function stored(dir = dataDir) {
  const db = new Database(join(ledgerSyncDir(dir), 'ledger.sqlite'), { readonly: true });
  try {
    const blocks = db.prepare('SELECT * FROM blocks ORDER BY number').all() as Record<
      string,
      string | number
    >[];
    const txs = db.prepare('SELECT * FROM transactions ORDER BY block_number, tx_index').all() as {
      tx_id: string;
      block_number: number;
    }[];
    return { blocks, txs };
  } finally {
    db.close();
  }
}

const FNS = ['RegisterDevice', 'CreateShipment', 'AnchorReadings', 'AnchorReadings', 'CompleteShipment'];

describe('ledgerBlocks', () => {
  it('lists every block of a short ledger with its transactions, as stored (JSON)', async () => {
    capture();
    await ledgerBlocks({ dataDir, json: true });
    const { blocks, txs } = stored();
    expect(json()).toEqual({
      blocks: blocks.map((b, i) => ({
        number: i,
        hash: b.hash,
        prevHash: b.prev_hash,
        dataHash: b.data_hash,
        timestamp: b.timestamp,
        transactions: [
          {
            txId: txs[i]?.tx_id,
            index: 0,
            fn: FNS[i],
            creator: 'ColdtrailOrgMSP',
            validationCode: 'VALID',
          },
        ],
      })),
    });
  });

  it('takes the last --limit blocks by default, or --limit from --from on', async () => {
    capture();
    const numbers = async (opts: { from?: string; limit?: string }) => {
      await ledgerBlocks({ dataDir, json: true, ...opts });
      return (json().blocks as { number: number }[]).map((b) => b.number);
    };
    expect(await numbers({ limit: '2' })).toEqual([3, 4]);
    expect(await numbers({ from: '1', limit: '2' })).toEqual([1, 2]);
    expect(await numbers({ from: '3' })).toEqual([3, 4]);
    expect(await numbers({ limit: '100' })).toEqual([0, 1, 2, 3, 4]);
    expect(await numbers({ from: '9' })).toEqual([]);
    await ledgerBlocks({ dataDir, from: '9' });
    expect(out.join('')).toBe('no blocks from 9 on: the tip is block 4\n');
  });

  it('prints one line per block and an indented line per transaction', async () => {
    capture();
    await ledgerBlocks({ dataDir, from: '1', limit: '1' });
    const { blocks, txs } = stored();
    const b = blocks[1] as { hash: string; prev_hash: string; timestamp: string };
    expect(out.join('')).toBe(
      `block 1  ${b.timestamp}  hash ${b.hash.slice(0, 16)}…  prev ${b.prev_hash.slice(0, 16)}…  1 tx\n` +
        `  0  ${txs[1]?.tx_id}  VALID  CreateShipment  ColdtrailOrgMSP\n`,
    );
  });

  it.each([
    [{ limit: '0' }, /--limit must be an integer >= 1/],
    [{ limit: 'x' }, /--limit must be an integer >= 1/],
    [{ from: '-1' }, /--from must be an integer >= 0/],
    [{ from: '1.5' }, /--from must be an integer >= 0/],
  ])('%j is a usage error', async (opts, message) => {
    await expect(ledgerBlocks({ dataDir, ...opts })).rejects.toMatchObject({ exitCode: Exit.Usage, message });
  });

  it('reports no data, a missing ledger and a foreign file as ledger verify does', async () => {
    const fail = async (dir: string) => describeFailure(await ledgerBlocks({ dataDir: dir }).catch((e) => e));
    expect(await fail(join(root, 'nothing'))).toMatchObject({
      exitCode: Exit.NotFound,
      message: expect.stringMatching(/no coldtrail data in/),
    });
    const noLedger = join(root, 'no-ledger');
    mkdirSync(ledgerSyncDir(noLedger), { recursive: true });
    expect(await fail(noLedger)).toMatchObject({
      exitCode: Exit.VerificationFailed,
      message: expect.stringMatching(/no ledger at .*: it is missing/),
    });
    writeFileSync(join(ledgerSyncDir(noLedger), 'ledger.sqlite'), 'not a database, just text');
    const foreign = await fail(noLedger);
    expect(foreign.exitCode).toBe(Exit.VerificationFailed);
    expect(foreign).not.toHaveProperty('stack');
  });
});

/** Every file under `dir` with its bytes' hash and its mtime. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        const hash = createHash('sha256').update(readFileSync(p)).digest('hex');
        files[relative(dir, p)] = `${hash} ${st.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return files;
}

describe('the ledger reads', () => {
  it('blocks, tx and history write nothing: every file keeps its bytes and mtime', async () => {
    const before = tree(dataDir);
    expect(Object.keys(before)).toContain(join('ledger-sync', 'ledger.sqlite'));
    capture();
    const txId = stored().txs[1]?.tx_id as string;
    await ledgerBlocks({ dataDir });
    await ledgerBlocks({ dataDir, json: true, from: '0', limit: '1000' });
    await ledgerTx(txId, { dataDir });
    await ledgerTx(txId, { dataDir, json: true });
    await ledgerHistory(`shipment/${SSCC}`, { dataDir });
    await ledgerHistory('device/probe-1', { dataDir, json: true });
    await expect(ledgerTx('f'.repeat(64), { dataDir })).rejects.toMatchObject({ exitCode: Exit.NotFound });
    expect(tree(dataDir)).toEqual(before);
  });

  it('read a ledger that a running server holds open, and see what it commits', async () => {
    const live = join(root, 'live');
    await cp(dataDir, live, { recursive: true });
    const ledger = await openEmbeddedLedger({ path: ledgerSyncDir(live) });
    try {
      await createLedgerClient(ledger.port('ColdtrailOrgMSP')).registerDevice({
        id: 'probe-2',
        publicKey: 'cd'.repeat(32),
      });
      capture();
      await ledgerBlocks({ dataDir: live, limit: '1', json: true });
      const [block] = json().blocks;
      expect(block).toMatchObject({ number: 5, transactions: [{ fn: 'RegisterDevice' }] });
      await ledgerTx(block.transactions[0].txId, { dataDir: live, json: true });
      expect(json()).toMatchObject({
        blockNumber: 5,
        args: ['probe-2', 'cd'.repeat(32)],
        signatureValid: true,
      });
      await ledgerHistory('device/probe-2', { dataDir: live, json: true });
      expect(json().versions).toMatchObject([{ blockNumber: 5, value: { id: 'probe-2' } }]);
      // The writer goes on committing while the reads are done.
      await createLedgerClient(ledger.port('ColdtrailOrgMSP')).revokeDevice('probe-2', 'lost');
      await ledgerHistory('device/probe-2', { dataDir: live, json: true });
      expect(json().versions.map((v: { blockNumber: number }) => v.blockNumber)).toEqual([5, 6]);
    } finally {
      await ledger.close();
    }
  });
});
