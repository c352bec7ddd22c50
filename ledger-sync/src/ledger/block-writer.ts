import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import { signLowS } from './ecdsa.js';
import { type LedgerStatements, versionOf } from './ledger-db.js';
import {
  type BlockEntry,
  type BlockHeader,
  blockHash,
  dataHash,
  GENESIS_PREV_HASH,
  headerBytes,
  type RwSet,
  ValidationCode,
} from './ledger-records.js';
import { type VersionReader, validateRwSet } from './mvcc.js';

/**
 * The commit half of the embedded ledger (Fabric's committer): one ordered block is validated (MVCC against
 * committed state), applied, linked to the tip on disk and signed by the node, all in one SQLite transaction
 * taken with BEGIN IMMEDIATE, so the tip it links to is the tip on disk even if another process appends to the
 * same ledger. A BlockWriter runs it either on the caller's connection (inlineBlockWriter) or on a worker
 * thread with its own connection (worker-block-writer.ts), which is what the embedded ledger uses.
 */
export interface OrderedTx {
  txId: string;
  rwset: RwSet;
  /** Canonical JSON of the signed transaction, stored and hashed as is. */
  envelope: string;
}

export interface CommitOutcome {
  blockNumber: number;
  validationCode: ValidationCode;
}

export interface BlockWriter {
  /** Commits `txs` as the next block, time-stamped `timestamp` (ISO 8601); one outcome per transaction. */
  write(txs: readonly OrderedTx[], timestamp: string): Promise<CommitOutcome[]>;
  /** Releases the writer (its connection or thread); nothing may be written afterwards. */
  close(): Promise<void>;
}

const key = (k: string) => Buffer.from(k, 'utf8');

/** MVCC's view of committed state through the version-only statements (values are never needed there). */
function committedVersions(s: LedgerStatements): VersionReader {
  return {
    version(k) {
      const row = s.getVersion.get(key(k));
      return row ? versionOf(row) : null;
    },
    rangeVersions(start, end) {
      const rows =
        end === '' ? s.rangeVersionsOpen.all(key(start)) : s.rangeVersionsBounded.all(key(start), key(end));
      return rows.map((r) => ({ key: r.key.toString('utf8'), version: versionOf(r) }));
    },
  };
}

/** Writes blocks on `db` through `statements`, synchronously; each call is one BEGIN IMMEDIATE transaction. */
export function blockWriteFunction(
  db: Database.Database,
  s: LedgerStatements,
  nodeKey: KeyObject,
): (txs: readonly OrderedTx[], timestamp: string) => CommitOutcome[] {
  const reader = committedVersions(s);
  const commit = db.transaction((txs: readonly OrderedTx[], timestamp: string): CommitOutcome[] => {
    const tip = s.tip.get();
    const number = tip ? tip.number + 1 : 0;
    const entries: BlockEntry[] = [];
    const outcomes = txs.map((tx, index) => {
      const code = validateRwSet(tx.rwset, reader);
      if (code === ValidationCode.Valid) {
        for (const w of tx.rwset.writes) {
          const value = w.value === null ? null : Buffer.from(w.value, 'base64');
          if (value === null) s.deleteState.run(key(w.key));
          else s.putState.run(key(w.key), value, number, index);
          s.insertHistory.run(key(w.key), number, index, tx.txId, value);
        }
      }
      s.insertTx.run(tx.txId, number, index, tx.envelope, code);
      entries.push({ envelope: tx.envelope, validationCode: code });
      return { blockNumber: number, validationCode: code };
    });
    const header: BlockHeader = {
      number,
      prevHash: tip ? tip.hash : GENESIS_PREV_HASH,
      dataHash: dataHash(entries),
      timestamp,
    };
    const signature = signLowS(nodeKey, headerBytes(header));
    s.insertBlock.run(number, header.prevHash, header.dataHash, timestamp, blockHash(header), signature);
    return outcomes;
  });
  return (txs, timestamp) => commit.immediate(txs, timestamp);
}

/** Blocks written on the caller's own connection and thread (test kits; the ledger itself uses the worker). */
export function inlineBlockWriter(
  db: Database.Database,
  s: LedgerStatements,
  nodeKey: KeyObject,
): BlockWriter {
  const write = blockWriteFunction(db, s, nodeKey);
  let closed = false;
  return {
    async write(txs, timestamp) {
      if (closed) throw new Error('the block writer is closed');
      return write(txs, timestamp);
    },
    async close() {
      closed = true;
    },
  };
}
