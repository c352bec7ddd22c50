import type { KeyObject } from 'node:crypto';
import { ColdtrailError, ErrorCode, systemClock, type Timer, type TimerClock } from '@coldtrail/core';
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
 * The ordering and commit half of the embedded ledger, shaped like Fabric's orderer + committer: endorsed
 * transactions queue up; a block is cut when `blockMaxTx` are waiting or `blockTimeoutMs` after the first one
 * arrived (so a lone transaction commits within milliseconds); each block is validated (MVCC), applied and
 * written in one SQLite transaction taken with BEGIN IMMEDIATE, so the tip it links to is the tip on disk even
 * if another process appends to the same ledger.
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

interface Pending {
  tx: OrderedTx;
  resolve(o: CommitOutcome): void;
  reject(err: unknown): void;
}

export interface CommitterOptions {
  db: Database.Database;
  statements: LedgerStatements;
  nodeKey: KeyObject;
  now: () => number;
  blockMaxTx: number;
  blockTimeoutMs: number;
  /** Runs the block timeout; default the system clock. */
  timers?: TimerClock;
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

export class BlockCommitter {
  private readonly o: CommitterOptions;
  private readonly reader: VersionReader;
  private queue: Pending[] = [];
  private timer: Timer | undefined;
  private stopped = false;
  private draining = false;
  private readonly commitBlock: Database.Transaction<(batch: Pending[]) => CommitOutcome[]>;

  constructor(options: CommitterOptions) {
    this.o = options;
    this.reader = committedVersions(options.statements);
    this.commitBlock = options.db.transaction((batch: Pending[]) => this.writeBlock(batch));
  }

  enqueue(tx: OrderedTx): Promise<CommitOutcome> {
    if (this.stopped) {
      return Promise.reject(new ColdtrailError(ErrorCode.Unavailable, 'the embedded ledger is closed'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ tx, resolve, reject });
      if (this.draining || this.queue.length >= this.o.blockMaxTx) this.cut();
      else this.timer ??= (this.o.timers ?? systemClock).setTimeout(() => this.cut(), this.o.blockTimeoutMs);
    });
  }

  /** Cuts a block of everything queued (also on close, so nothing endorsed is dropped). */
  cut(): void {
    this.timer?.cancel();
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.o.blockMaxTx);
      let outcomes: CommitOutcome[];
      try {
        outcomes = this.commitBlock.immediate(batch);
      } catch (err) {
        const e = new ColdtrailError(
          ErrorCode.Unavailable,
          `committing a block failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
        for (const p of batch) p.reject(e);
        continue;
      }
      for (const [i, p] of batch.entries()) p.resolve(outcomes[i] as CommitOutcome);
    }
  }

  /** From now on every transaction is committed as soon as it arrives (the ledger is closing). */
  drain(): void {
    this.draining = true;
    this.cut();
  }

  stop(): void {
    this.cut();
    this.stopped = true;
  }

  private writeBlock(batch: Pending[]): CommitOutcome[] {
    const s = this.o.statements;
    const tip = s.tip.get();
    const number = tip ? tip.number + 1 : 0;
    const entries: BlockEntry[] = [];
    const outcomes = batch.map(({ tx }, index) => {
      const code = validateRwSet(tx.rwset, this.reader);
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
      timestamp: new Date(Math.floor(this.o.now())).toISOString(),
    };
    const signature = signLowS(this.o.nodeKey, headerBytes(header));
    s.insertBlock.run(
      number,
      header.prevHash,
      header.dataHash,
      header.timestamp,
      blockHash(header),
      signature,
    );
    return outcomes;
  }
}
