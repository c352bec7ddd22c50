import type Database from 'better-sqlite3';
import type { BlockRow, StateRow, TxRow } from './ledger-db.js';
import { displayKey, GENESIS_PREV_HASH, ValidationCode, type Version } from './ledger-records.js';
import { hexKey, type ReplayedValue, ReplayState } from './replay-state.js';
import type { StateEvidence } from './state-evidence.js';
import {
  compareHistory,
  compareState,
  type ProblemSink,
  verifyBlockHeader,
  verifyTxRecord,
} from './verify-checks.js';
import type { CreatorTrust } from './verify-creator.js';
import { beginVerification, checkNode, checkTip } from './verify-ledger.js';
import type { LedgerProblem, LedgerTip, LedgerVerifyOptions, LedgerVerifyReport } from './verify-report.js';
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
  return evidenceVerifier(db, nodeCertificate, creators)(evidence, options);
}

export type EvidenceVerifier = (
  evidence: StateEvidence,
  options?: LedgerVerifyOptions,
) => LedgerVerifyReport & { stateValues: number };

/**
 * verifyEvidence for many answers read from ONE snapshot (a provenance of a lot asks once per pallet): the
 * blocks, transactions, state and history are checked once, on the first call, and each later call compares
 * only the evidence read since (a key compared once stays compared; the evidence only grows). Sound because
 * nothing changes inside a read transaction; never reuse a verifier across snapshots.
 */
export function evidenceVerifier(
  db: Database.Database,
  nodeCertificate: string | undefined,
  creators?: CreatorTrust,
): EvidenceVerifier {
  let chain: ChainReplay | undefined;
  const comparedGets = new Set<string>();
  let comparedRanges = 0;
  const found: LedgerProblem[] = [];
  const sinkEvidence: ProblemSink = (p) => {
    if (found.length < MAX_EVIDENCE_PROBLEMS) found.push(p);
  };
  let stateValues = 0;
  return (evidence, options = {}) => {
    chain ??= replayChain(db, nodeCertificate, creators);
    const c = chain;
    const compare = (key: string, value: { value: Buffer; version: Version } | null) => {
      stateValues++;
      compareValue(c.replay, key, value, sinkEvidence);
    };
    for (const [key, value] of evidence.gets) {
      if (comparedGets.has(key)) continue;
      comparedGets.add(key);
      compare(key, value);
    }
    for (; comparedRanges < evidence.ranges.length; comparedRanges++) {
      const r = evidence.ranges[comparedRanges] as StateEvidence['ranges'][number];
      for (const [key, value] of r.rows) compare(key, value);
      // Every key the ledger holds in the range must have come back: none hidden from the answer.
      for (const w of c.inRange(hexKey(r.start), r.end === '' ? undefined : hexKey(r.end))) {
        if (!r.rows.has(w.key)) compare(w.key, null);
      }
    }
    const { expectTip, problems, sink } = beginVerification(nodeCertificate, options);
    if (options.checkpoint) checkNode(options.checkpoint, nodeCertificate, sink);
    if (expectTip) checkTip(c.blocks, c.tip, expectTip, sink);
    const all = [...c.problems, ...found, ...problems];
    const unique = [...new Map(all.map((p) => [p.message, p])).values()];
    unique.sort((a, b) => (a.block ?? -1) - (b.block ?? -1));
    return {
      ok: unique.length === 0,
      blocks: c.blocks.length,
      transactions: c.transactions,
      tip: c.tip,
      problems: unique,
      stateValues,
    };
  };
}

const MAX_EVIDENCE_PROBLEMS = 100;

/** The ledger's blocks checked and its valid writes replayed, with what that found. */
interface ChainReplay {
  blocks: BlockRow[];
  transactions: number;
  tip: LedgerTip | null;
  replay: ReplayState;
  problems: LedgerProblem[];
  /** The replayed values whose hex key lies in [lo, hi) (hi undefined: to the end), in key order. */
  inRange(lo: string, hi: string | undefined): ReplayedValue[];
}

function replayChain(
  db: Database.Database,
  nodeCertificate: string | undefined,
  creators: CreatorTrust | undefined,
): ChainReplay {
  const { problems, sink, nodeKey } = beginVerification(nodeCertificate, {});
  const blocks = db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY number').all();
  const txs = db.prepare<[], TxRow>('SELECT * FROM transactions ORDER BY block_number, tx_index').all();
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
  // The tables derived from the blocks must be exactly what the valid transactions wrote.
  compareState(state, replay, sink);
  compareHistory(history, replay, sink);

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
  const sorted = [...replay.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lowerBound = (h: string) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as [string, ReplayedValue])[0] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    blocks,
    transactions: txs.length,
    tip,
    replay,
    problems,
    inRange(lo, hi) {
      const from = lowerBound(lo);
      const to = hi === undefined ? sorted.length : lowerBound(hi);
      return sorted.slice(from, to).map(([, v]) => v);
    },
  };
}

/** One state value an answer used (null: found absent) against what the last valid write left there. */
function compareValue(
  replay: ReplayState,
  key: string,
  found: { value: Buffer; version: Version } | null,
  sink: ProblemSink,
): void {
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
}
