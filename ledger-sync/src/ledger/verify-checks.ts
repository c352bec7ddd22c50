import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '@coldtrail/core';
import { publicKeyFromCertificate, verifySignature } from './ecdsa.js';
import { parseEnvelope, type StoredTx } from './envelope-schema.js';
import { checkFabricTx } from './fabric-envelope.js';
import type { BlockRow, StateRow, TxRow } from './ledger-db.js';
import {
  blockHash,
  computeTxId,
  dataHash,
  displayKey,
  headerBytes,
  ValidationCode,
} from './ledger-records.js';
import { validateRwSet } from './mvcc.js';
import type { ReplayState } from './replay-state.js';
import type { CreatorTrust } from './verify-creator.js';
import { LedgerCheck, type LedgerProblem } from './verify-report.js';

/** The per-block and per-table checks of `verify`, each reporting problems with a human message. */
export type ProblemSink = (p: LedgerProblem) => void;

const short = (h: string) => `${h.slice(0, 12)}…`;

/**
 * The record of one transaction: its envelope parses, its id is SHA-256(nonce || creator) and its creator
 * signed it, and (given `creators`) the creator certificate is its org's. Returns the parsed envelope, or
 * undefined when it cannot be read at all.
 */
export function verifyTxRecord(
  n: number,
  tx: TxRow,
  sink: ProblemSink,
  creators?: CreatorTrust,
): StoredTx | undefined {
  const at = `transaction ${tx.tx_id} in block ${n}`;
  const problem = (check: LedgerCheck, message: string) => sink({ block: n, txId: tx.tx_id, check, message });
  const env = parseEnvelope(tx.envelope);
  if (typeof env === 'string') {
    problem(LedgerCheck.TxRecord, `${at}: its stored envelope ${env}`);
    return undefined;
  }
  const p = env.payload;
  if (p.txId !== tx.tx_id) problem(LedgerCheck.TxRecord, `${at}: its envelope names transaction ${p.txId}`);
  if (env.fabric) {
    // Fabric format: the client's own signature over the protobuf payload, Fabric's id (fabric-envelope.ts).
    for (const f of checkFabricTx(env.fabric, p)) problem(f.check, `${at}: ${f.message}`);
    const foreign = creators?.check(p.creator);
    if (foreign) problem(LedgerCheck.CreatorIdentity, `${at}: ${foreign}`);
    return env;
  }
  if (computeTxId(p.nonce, p.creator) !== p.txId) {
    problem(LedgerCheck.TxRecord, `${at}: its id is not SHA-256(nonce || creator)`);
  }
  let signed = false;
  try {
    signed = verifySignature(
      publicKeyFromCertificate(p.creator.certificate),
      canonicalJson(p),
      env.signature,
    );
  } catch {
    signed = false;
  }
  if (!signed) problem(LedgerCheck.TxSignature, `${at}: not signed by its creator ${p.creator.mspid}`);
  const foreign = creators?.check(p.creator);
  if (foreign) problem(LedgerCheck.CreatorIdentity, `${at}: ${foreign}`);
  return env;
}

function verifyTx(
  n: number,
  tx: TxRow,
  replay: ReplayState,
  sink: ProblemSink,
  creators?: CreatorTrust,
): void {
  const env = verifyTxRecord(n, tx, sink, creators);
  if (!env) return;
  const p = env.payload;
  const code = validateRwSet(p.rwset, replay);
  if (code !== tx.validation_code) {
    sink({
      block: n,
      txId: tx.tx_id,
      check: LedgerCheck.TxValidation,
      message: `transaction ${tx.tx_id} in block ${n} is marked ${tx.validation_code}, but replaying the ledger gives ${code}`,
    });
  }
  if (tx.validation_code !== ValidationCode.Valid) return;
  for (const w of p.rwset.writes) {
    const value = w.value === null ? null : Buffer.from(w.value, 'base64');
    replay.apply(w.key, value, { block: n, tx: tx.tx_index }, tx.tx_id);
  }
}

/** Checks one block and replays its valid transactions; returns the block's recomputed hash. */
export function verifyBlock(
  block: BlockRow,
  txs: readonly TxRow[],
  prevHash: string,
  nodeKey: KeyObject | undefined,
  replay: ReplayState,
  sink: ProblemSink,
  creators?: CreatorTrust,
): string {
  const hash = verifyBlockHeader(block, txs, prevHash, nodeKey, sink);
  for (const tx of txs) verifyTx(block.number, tx, replay, sink, creators);
  return hash;
}

/**
 * A block's own record, without its transactions' effects: it links to the block before, its header hashes to
 * its stored hash and carries the node's signature, and its transactions (with their validation codes) are
 * exactly those its dataHash covers. Returns the block's recomputed hash.
 */
export function verifyBlockHeader(
  block: BlockRow,
  txs: readonly TxRow[],
  prevHash: string,
  nodeKey: KeyObject | undefined,
  sink: ProblemSink,
): string {
  const n = block.number;
  const problem = (check: LedgerCheck, message: string) => sink({ block: n, check, message });
  if (block.prev_hash !== prevHash) {
    problem(
      LedgerCheck.BlockLink,
      n === 0
        ? `block 0 does not start the chain: its prevHash is ${short(block.prev_hash)}, not all zeros`
        : `block ${n} does not link to block ${n - 1}: its prevHash ${short(block.prev_hash)} is not the hash of block ${n - 1} (${short(prevHash)})`,
    );
  }
  const header = {
    number: n,
    prevHash: block.prev_hash,
    dataHash: block.data_hash,
    timestamp: block.timestamp,
  };
  const hash = blockHash(header);
  if (hash !== block.hash) {
    problem(
      LedgerCheck.BlockHash,
      `block ${n}: its header hashes to ${short(hash)}, not to its stored hash ${short(block.hash)}; the block record was changed`,
    );
  }
  if (nodeKey && !verifySignature(nodeKey, headerBytes(header), block.signature)) {
    problem(LedgerCheck.BlockSignature, `block ${n}: the node's signature does not match its header`);
  }
  txs.forEach((tx, i) => {
    if (tx.tx_index !== i) problem(LedgerCheck.TxRecord, `block ${n}: transaction index ${i} is missing`);
  });
  const entries = txs.map((t) => ({ envelope: t.envelope, validationCode: t.validation_code }));
  if (dataHash(entries) !== block.data_hash) {
    problem(
      LedgerCheck.DataHash,
      `block ${n}: its transactions do not match the block's dataHash; a transaction of block ${n} was changed, added or removed`,
    );
  }
  return hash;
}

/** The state table must be exactly the state the valid transactions wrote. */
export function compareState(rows: readonly StateRow[], replay: ReplayState, sink: ProblemSink): void {
  const seen = new Set<string>();
  for (const row of rows) {
    const hex = row.key.toString('hex');
    const key = displayKey(row.key.toString('utf8'));
    seen.add(hex);
    const expected = replay.values.get(hex);
    if (!expected) {
      sink({
        block: row.block_number,
        check: LedgerCheck.State,
        message: `state key ${key} was written by no valid transaction of the ledger`,
      });
    } else if (!expected.value.equals(row.value)) {
      sink({
        block: row.block_number,
        txId: expected.txId,
        check: LedgerCheck.State,
        message: `state key ${key} differs from what transaction ${expected.txId} in block ${expected.version.block} wrote; the state record was changed`,
      });
    } else if (expected.version.block !== row.block_number || expected.version.tx !== row.tx_index) {
      sink({
        block: row.block_number,
        txId: expected.txId,
        check: LedgerCheck.State,
        message: `state key ${key} has version ${row.block_number}.${row.tx_index}, but the ledger last wrote it in block ${expected.version.block} (tx ${expected.version.tx})`,
      });
    }
  }
  for (const [hex, v] of replay.values) {
    if (seen.has(hex)) continue;
    sink({
      block: v.version.block,
      txId: v.txId,
      check: LedgerCheck.State,
      message: `state key ${displayKey(v.key)}, written by transaction ${v.txId} in block ${v.version.block}, is missing from the state`,
    });
  }
}

/** The key history must list exactly the writes of the valid transactions, in ledger order. */
export function compareHistory(
  rows: readonly {
    key: Buffer;
    block_number: number;
    tx_index: number;
    tx_id: string;
    value: Buffer | null;
  }[],
  replay: ReplayState,
  sink: ProblemSink,
): void {
  const count = Math.max(rows.length, replay.history.length);
  for (let i = 0; i < count; i++) {
    const row = rows[i];
    const w = replay.history[i];
    const same =
      row !== undefined &&
      w !== undefined &&
      row.key.equals(Buffer.from(w.key, 'utf8')) &&
      row.block_number === w.version.block &&
      row.tx_index === w.version.tx &&
      row.tx_id === w.txId &&
      (row.value === null ? w.value === null : w.value !== null && row.value.equals(w.value));
    if (same) continue;
    const block = row?.block_number ?? w?.version.block ?? null;
    const key = displayKey(row ? row.key.toString('utf8') : (w?.key ?? ''));
    sink({
      block,
      check: LedgerCheck.History,
      message: `the history of key ${key} (block ${block}) differs from the writes of the ledger's transactions`,
    });
    return; // one history problem is enough: every later entry is shifted
  }
}
