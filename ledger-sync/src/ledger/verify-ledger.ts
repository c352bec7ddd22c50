import { existsSync } from 'node:fs';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type Database from 'better-sqlite3';
import { publicKeyFromCertificate } from './ecdsa.js';
import { readNodeCertificate } from './identities.js';
import {
  type BlockRow,
  openLedgerDbReadonly,
  resolveLedgerPaths,
  type StateRow,
  type TxRow,
} from './ledger-db.js';
import { GENESIS_PREV_HASH } from './ledger-records.js';
import { ReplayState } from './replay-state.js';
import { compareHistory, compareState, type ProblemSink, verifyBlock } from './verify-checks.js';
import type { LedgerProblem, LedgerVerifyReport } from './verify-report.js';
import { LedgerCheck } from './verify-report.js';

const MAX_PROBLEMS = 100;

/**
 * Replays the whole ledger: block numbering, hash links, header hashes, node signatures, data hashes,
 * transaction records and creator signatures, MVCC validation codes, and finally the world state and key
 * history rebuilt from the valid transactions against the stored tables. Read-only.
 */
export function verifyLedgerDb(
  db: Database.Database,
  nodeCertificate: string | undefined,
): LedgerVerifyReport {
  const problems: LedgerProblem[] = [];
  const sink: ProblemSink = (p) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  let nodeKey: ReturnType<typeof publicKeyFromCertificate> | undefined;
  try {
    if (nodeCertificate) nodeKey = publicKeyFromCertificate(nodeCertificate);
  } catch {
    // reported just below
  }
  if (!nodeKey) {
    sink({
      block: null,
      check: LedgerCheck.NodeIdentity,
      message: 'the node certificate is missing or unreadable: block signatures cannot be checked',
    });
  }

  const read = db.transaction(() => ({
    blocks: db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY number').all(),
    txs: db.prepare<[], TxRow>('SELECT * FROM transactions ORDER BY block_number, tx_index').all(),
    state: db.prepare<[], StateRow>('SELECT * FROM state ORDER BY key').all(),
    history: db
      .prepare<[], StateRow & { tx_id: string; value: Buffer | null }>(
        'SELECT * FROM history ORDER BY block_number, tx_index, key',
      )
      .all(),
  }));
  const rows = read();

  const txsByBlock = new Map<number, TxRow[]>();
  for (const tx of rows.txs) {
    const list = txsByBlock.get(tx.block_number) ?? [];
    list.push(tx);
    txsByBlock.set(tx.block_number, list);
  }
  const replay = new ReplayState();
  let prevHash = GENESIS_PREV_HASH;
  let expected = 0;
  for (const block of rows.blocks) {
    if (block.number !== expected) {
      sink({
        block: block.number,
        check: LedgerCheck.BlockSequence,
        message: `block ${expected} is missing: block ${block.number} follows block ${expected - 1}`,
      });
    }
    prevHash = verifyBlock(block, txsByBlock.get(block.number) ?? [], prevHash, nodeKey, replay, sink);
    txsByBlock.delete(block.number);
    expected = block.number + 1;
  }
  for (const [number, txs] of txsByBlock) {
    for (const tx of txs) {
      sink({
        block: number,
        txId: tx.tx_id,
        check: LedgerCheck.TxRecord,
        message: `transaction ${tx.tx_id} claims block ${number}, which is not in the ledger`,
      });
    }
  }
  compareState(rows.state, replay, sink);
  compareHistory(rows.history, replay, sink);

  problems.sort((a, b) => (a.block ?? -1) - (b.block ?? -1));
  return { ok: problems.length === 0, blocks: rows.blocks.length, transactions: rows.txs.length, problems };
}

/** Verifies the ledger at `path` (directory or database file) without opening it for writing. */
export async function verifyLedger(path: string): Promise<LedgerVerifyReport> {
  const paths = resolveLedgerPaths(path);
  if (!existsSync(paths.dbFile)) {
    throw new ColdtrailError(ErrorCode.NotFound, `no ledger at ${paths.dbFile}; check --data-dir`);
  }
  const db = openLedgerDbReadonly(paths);
  try {
    return verifyLedgerDb(db, await readNodeCertificate(paths.keysDir));
  } finally {
    db.close();
  }
}
