import { ColdtrailError, ErrorCode, isHash } from '@coldtrail/core';
import type Database from 'better-sqlite3';
import { certificateFingerprint, type LedgerCheckpoint } from './checkpoint.js';
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
import { type CreatorTrust, loadCreatorTrust } from './verify-creator.js';
import type { LedgerProblem, LedgerTip, LedgerVerifyOptions, LedgerVerifyReport } from './verify-report.js';
import { LedgerCheck } from './verify-report.js';

const MAX_PROBLEMS = 100;

/**
 * Replays the whole ledger: block numbering, hash links, header hashes, node signatures, data hashes,
 * transaction records and creator signatures, MVCC validation codes, and finally the world state and key
 * history rebuilt from the valid transactions against the stored tables. Read-only.
 *
 * Its limit: everything checked lives in the one database, so deleting the last blocks with their
 * transactions and history and rebuilding the state leaves a shorter ledger that replays intact. Only a tip
 * recorded elsewhere shows the cut, hence `tip` in the report and `options.expectTip`.
 * `creators` (the org certificates, verify-creator.ts) makes every creator certificate answer to its org.
 */
export function verifyLedgerDb(
  db: Database.Database,
  nodeCertificate: string | undefined,
  options: LedgerVerifyOptions = {},
  creators?: CreatorTrust,
): LedgerVerifyReport {
  const { expectTip, problems, sink, nodeKey } = beginVerification(nodeCertificate, options);

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
    const txs = txsByBlock.get(block.number) ?? [];
    prevHash = verifyBlock(block, txs, prevHash, nodeKey, replay, sink, creators);
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
  const last = rows.blocks.at(-1);
  const tip: LedgerTip | null = last
    ? { number: last.number, hash: last.hash, timestamp: last.timestamp }
    : null;
  if (!last) {
    sink({
      block: null,
      check: LedgerCheck.BlockSequence,
      message: 'the ledger holds no blocks: it is not a ledger (or it was emptied)',
    });
  }
  if (options.checkpoint) checkNode(options.checkpoint, nodeCertificate, sink);
  if (expectTip) checkTip(rows.blocks, tip, expectTip, sink);

  problems.sort((a, b) => (a.block ?? -1) - (b.block ?? -1));
  return {
    ok: problems.length === 0,
    blocks: rows.blocks.length,
    transactions: rows.txs.length,
    tip,
    problems,
  };
}

type ExpectedTip = NonNullable<LedgerVerifyOptions['expectTip']>;

/** What every ledger verification starts from: the expected tip, a bounded problem list, the node's key. */
export function beginVerification(nodeCertificate: string | undefined, options: LedgerVerifyOptions) {
  const expectTip = parseExpectedTip(
    options.checkpoint
      ? { number: options.checkpoint.tip.number, hash: options.checkpoint.tip.hash }
      : options.expectTip,
  );
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
  return { expectTip, problems, sink, nodeKey };
}

export function parseExpectedTip(expect: ExpectedTip | undefined): ExpectedTip | undefined {
  if (!expect) return undefined;
  const { number, hash } = expect;
  if (number !== undefined && (!Number.isSafeInteger(number) || number < 0)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `expected tip number must be an integer >= 0 (got ${number})`,
    );
  }
  if (hash !== undefined && !isHash(hash.toLowerCase())) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'expected tip hash must be 64 hex digits (a SHA-256)');
  }
  return {
    ...(number !== undefined ? { number } : {}),
    ...(hash !== undefined ? { hash: hash.toLowerCase() } : {}),
  };
}

/** The ledger must still reach the expected tip, and hold the expected block there (it may have grown since). */
export function checkTip(
  blocks: readonly BlockRow[],
  tip: LedgerTip | null,
  expect: ExpectedTip,
  sink: ProblemSink,
): void {
  const { number, hash } = expect;
  if (number === undefined) {
    if (hash !== undefined && !blocks.some((b) => b.hash === hash)) {
      sink({
        block: null,
        check: LedgerCheck.Tip,
        message: `no block hashes to the expected ${hash}: blocks were cut off the ledger's end or rewritten`,
      });
    }
    return;
  }
  if (!tip || tip.number < number) {
    const ends = tip ? `ends at block ${tip.number}` : 'has no blocks';
    sink({
      block: number,
      check: LedgerCheck.Tip,
      message: `the ledger ${ends} but block ${number} was expected: blocks were cut off its end`,
    });
    return;
  }
  const block = blocks.find((b) => b.number === number);
  if (hash !== undefined && block?.hash !== hash) {
    const found = block ? `hashes to ${block.hash}` : 'is missing';
    sink({
      block: number,
      check: LedgerCheck.Tip,
      message: `block ${number} ${found}, not the expected ${hash}: the ledger was rewritten up to it`,
    });
  }
}

/** A checkpoint binds its tip to the node that signed it: a ledger with another node is another ledger. */
export function checkNode(
  checkpoint: LedgerCheckpoint,
  nodeCertificate: string | undefined,
  sink: ProblemSink,
): void {
  let fingerprint: string | undefined;
  try {
    fingerprint = nodeCertificate ? certificateFingerprint(nodeCertificate) : undefined;
  } catch {
    fingerprint = undefined; // an unreadable node certificate is reported as node-identity
  }
  if (fingerprint !== undefined && fingerprint !== checkpoint.node.fingerprint) {
    sink({
      block: null,
      check: LedgerCheck.Tip,
      message: `the checkpoint was signed by node ${checkpoint.node.fingerprint.slice(0, 12)}…, but this ledger's node is ${fingerprint.slice(0, 12)}…: it is another ledger, or its node identity was replaced`,
    });
  }
}

/** Verifies the ledger at `path` (directory or database file) without opening it for writing. */
export async function verifyLedger(
  path: string,
  options: LedgerVerifyOptions = {},
): Promise<LedgerVerifyReport> {
  const paths = resolveLedgerPaths(path);
  const db = openLedgerDbReadonly(paths);
  try {
    const [nodeCertificate, creators] = await Promise.all([
      readNodeCertificate(paths.keysDir),
      loadCreatorTrust(paths.keysDir),
    ]);
    return verifyLedgerDb(db, nodeCertificate, options, creators);
  } finally {
    db.close();
  }
}
