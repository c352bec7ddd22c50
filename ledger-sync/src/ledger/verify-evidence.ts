import type Database from 'better-sqlite3';
import type { BlockRow, StateRow, TxRow } from './ledger-db.js';
import { displayKey, GENESIS_PREV_HASH, ValidationCode, type Version } from './ledger-records.js';
import { hexKey, ReplayState } from './replay-state.js';
import type { StateEvidence } from './state-evidence.js';
import { compareHistory, compareState, verifyBlockHeader, verifyTxRecord } from './verify-checks.js';
import type { CreatorTrust } from './verify-creator.js';
import { beginVerification, checkNode, checkTip } from './verify-ledger.js';
import type { LedgerTip, LedgerVerifyOptions, LedgerVerifyReport } from './verify-report.js';
import { LedgerCheck } from './verify-report.js';

/**
 * What a query answer needs of the ledger, without re-executing it: every block links to the one before,
 * hashes to its stored hash, carries the node's signature and covers exactly its transactions (with their
 * validation codes); every transaction's id and creator signature hold; the state and history tables are
 * exactly the writes of the valid transactions; and each state value the answer used — every key read and
 * every row of every range scanned — is what the last valid transaction that wrote it wrote, with that
 * transaction's version (a changed, stale, deleted or invented state row fails). What it does not do is
 * re-execute the ledger: no read set is re-validated (MVCC, whose range checks grow with the square of the
 * ledger), the node's signed validation codes are taken as given. The full replay is `ledger verify`'s.
 * Runs on the caller's connection, inside its read transaction: the same snapshot the answer was read from.
 */
export function verifyEvidence(
  db: Database.Database,
  nodeCertificate: string | undefined,
  evidence: StateEvidence,
  options: LedgerVerifyOptions = {},
  creators?: CreatorTrust,
): LedgerVerifyReport & { stateValues: number } {
  const { expectTip, problems, sink, nodeKey } = beginVerification(nodeCertificate, options);
  const blocks = db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY number').all();
  const txs = db.prepare<[], TxRow>('SELECT * FROM transactions ORDER BY block_number, tx_index').all();

  const ranges = evidence.ranges.map((r) => ({
    lo: hexKey(r.start),
    hi: r.end === '' ? undefined : hexKey(r.end),
  }));
  const state = db.prepare<[], StateRow>('SELECT * FROM state ORDER BY key').all();
  const history = db
    .prepare<[], StateRow & { tx_id: string; value: Buffer | null }>(
      'SELECT * FROM history ORDER BY block_number, tx_index, key',
    )
    .all();
  // The writes of the valid transactions, applied in ledger order (cheap: no read set is re-validated).
  const replay = new ReplayState();

  let t = 0;
  let prevHash = GENESIS_PREV_HASH;
  let expected = 0;
  for (const block of blocks) {
    if (block.number !== expected) {
      sink({
        block: block.number,
        check: LedgerCheck.BlockSequence,
        message: `block ${expected} is missing: block ${block.number} follows block ${expected - 1}`,
      });
    }
    const own: TxRow[] = [];
    while (t < txs.length && (txs[t] as TxRow).block_number < block.number) {
      const stray = txs[t++] as TxRow;
      sink({
        block: stray.block_number,
        txId: stray.tx_id,
        check: LedgerCheck.TxRecord,
        message: `transaction ${stray.tx_id} claims block ${stray.block_number}, which is not in the ledger`,
      });
    }
    while (t < txs.length && (txs[t] as TxRow).block_number === block.number) own.push(txs[t++] as TxRow);
    prevHash = verifyBlockHeader(block, own, prevHash, nodeKey, sink);
    for (const tx of own) {
      const env = verifyTxRecord(block.number, tx, sink, creators);
      if (!env || tx.validation_code !== ValidationCode.Valid) continue;
      for (const w of env.payload.rwset.writes) {
        const value = w.value === null ? null : Buffer.from(w.value, 'base64');
        replay.apply(w.key, value, { block: block.number, tx: tx.tx_index }, tx.tx_id);
      }
    }
    expected = block.number + 1;
  }
  for (; t < txs.length; t++) {
    const stray = txs[t] as TxRow;
    sink({
      block: stray.block_number,
      txId: stray.tx_id,
      check: LedgerCheck.TxRecord,
      message: `transaction ${stray.tx_id} claims block ${stray.block_number}, which is not in the ledger`,
    });
  }

  // The tables derived from the blocks must be exactly what the valid transactions wrote...
  compareState(state, replay, sink);
  compareHistory(history, replay, sink);
  // ...and so must every value this answer read, as it read it.
  let stateValues = 0;
  const compare = (key: string, found: { value: Buffer; version: Version } | null) => {
    stateValues++;
    const w = replay.get(key);
    const name = displayKey(key);
    if (!found) {
      if (w) {
        sink({
          block: w.version.block,
          txId: w.txId,
          check: LedgerCheck.State,
          message: `state key ${name}, written by transaction ${w.txId} in block ${w.version.block}, is missing from the state`,
        });
      }
      return;
    }
    if (!w) {
      sink({
        block: found.version.block,
        check: LedgerCheck.State,
        message: `state key ${name} was written by no valid transaction of the ledger`,
      });
    } else if (!w.value.equals(found.value)) {
      sink({
        block: found.version.block,
        txId: w.txId,
        check: LedgerCheck.State,
        message: `state key ${name} differs from what transaction ${w.txId} in block ${w.version.block} wrote; the state record was changed`,
      });
    } else if (w.version.block !== found.version.block || w.version.tx !== found.version.tx) {
      sink({
        block: found.version.block,
        txId: w.txId,
        check: LedgerCheck.State,
        message: `state key ${name} has version ${found.version.block}.${found.version.tx}, but the ledger last wrote it in block ${w.version.block} (tx ${w.version.tx})`,
      });
    }
  };
  for (const [key, found] of evidence.gets) compare(key, found);
  evidence.ranges.forEach((r, i) => {
    const { lo, hi } = ranges[i] as { lo: string; hi: string | undefined };
    for (const [key, found] of r.rows) compare(key, found);
    for (const [h, w] of replay.values) {
      if (h >= lo && (hi === undefined || h < hi) && !r.rows.has(w.key)) compare(w.key, null);
    }
  });

  const tipBlock = blocks.at(-1);
  const tip: LedgerTip | null = tipBlock
    ? { number: tipBlock.number, hash: tipBlock.hash, timestamp: tipBlock.timestamp }
    : null;
  if (!tipBlock) {
    sink({
      block: null,
      check: LedgerCheck.BlockSequence,
      message: 'the ledger holds no blocks: it is not a ledger (or it was emptied)',
    });
  }
  if (options.checkpoint) checkNode(options.checkpoint, nodeCertificate, sink);
  if (expectTip) checkTip(blocks, tip, expectTip, sink);
  const unique = [...new Map(problems.map((p) => [p.message, p])).values()];
  unique.sort((a, b) => (a.block ?? -1) - (b.block ?? -1));
  return {
    ok: unique.length === 0,
    blocks: blocks.length,
    transactions: txs.length,
    tip,
    problems: unique,
    stateValues,
  };
}
