import {
  batchHeader,
  ColdtrailError,
  ErrorCode,
  FaultCode,
  GENESIS_HASH,
  isIdentifier,
  type ReadingRecord,
  type RefusalNotice,
  type Sample,
  type Signer,
  signBatchHeader,
} from '@coldtrail/core';
import Database from 'better-sqlite3';
import { AGENT_SENSOR } from './agent-sensor.js';
import { outboxDiskUsage } from './outbox-disk-usage.js';
import { prepareOutboxDatabase } from './outbox-schema.js';
import { type OutboxStatements, prepareStatements } from './outbox-statements.js';
import {
  type BatchState,
  type OutboxBatch,
  type OutboxCounts,
  type RefusalResult,
  toBatch,
} from './outbox-types.js';
import { chainSample, encodeRecord, recordTs, sha256HexFast } from './record-codec.js';

export { BatchState, type OutboxBatch, type OutboxCounts, type RefusalResult } from './outbox-types.js';

interface Chained {
  records: ReadingRecord[];
  seq: number;
  hash: string;
}

export { AGENT_SENSOR } from './agent-sensor.js';

/**
 * The agent's durable store-and-forward queue (the medplum durable-queue model: static open, prepared
 * statements built once, an explicit batch state machine, idempotent close). Durability: see outbox-schema.ts.
 * One Outbox per file and process; it is bound to one device at creation.
 */
export class Outbox {
  readonly device: string;
  readonly path: string;
  readonly #db: Database.Database;
  readonly #s: OutboxStatements;
  #headSeq: number;
  #headHash: string;
  #batchedUpTo: number;
  #storedUpTo: number;
  #closed = false;
  readonly #appendTx: (samples: readonly Sample[], ts: number) => Chained;

  private constructor(db: Database.Database, path: string, device: string) {
    this.#db = db;
    this.path = path;
    this.#s = prepareStatements(db);
    this.#appendTx = db.transaction((samples: readonly Sample[], ts: number) =>
      this.#appendRows(samples, ts),
    );
    let row = this.#s.chain.get();
    if (!row) {
      this.#s.initChain.run(device, GENESIS_HASH);
      row = this.#s.chain.get()!;
    }
    if (row.device !== device) {
      throw new ColdtrailError(
        ErrorCode.InvalidConfig,
        `outbox ${path} belongs to device ${row.device}, not ${device}; use that device id or another data directory`,
      );
    }
    this.device = device;
    this.#batchedUpTo = row.batched_up_to;
    this.#storedUpTo = row.stored_up_to;
    const head = this.#loadHead(row.head_seq, row.head_hash);
    this.#headSeq = head.seq;
    this.#headHash = head.hash;
  }

  /** Opens (creating if needed) the outbox at `path` for `device`. */
  static open(path: string, options: { device: string }): Outbox {
    if (!isIdentifier(options.device)) {
      throw new ColdtrailError(ErrorCode.InvalidConfig, `device id "${options.device}" is not an identifier`);
    }
    const db = new Database(path);
    try {
      prepareOutboxDatabase(db, path);
      return new Outbox(db, path, options.device);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The last record's seq and hash (GENESIS_HASH and 0 before the first record). */
  head(): { seq: number; hash: string } {
    return { seq: this.#headSeq, hash: this.#headHash };
  }
  nextSeq(): number {
    return this.#headSeq + 1;
  }
  batchedUpTo(): number {
    return this.#batchedUpTo;
  }
  storedUpTo(): number {
    return this.#storedUpTo;
  }

  /** The durability settings in force on this connection (see outbox-schema.ts). */
  settings(): { journalMode: string; synchronous: string } {
    this.#open();
    const sync = this.#db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      synchronous: ['off', 'normal', 'full', 'extra'][sync] ?? String(sync),
    };
  }

  /** Chains samples onto the head and stores them in one transaction (one fsync). Returns the records. */
  append(samples: readonly Sample[], ts: number): ReadingRecord[] {
    this.#open();
    if (samples.length === 0) return [];
    const chained = this.#appendTx(samples, ts);
    this.#setHead(chained);
    return chained.records;
  }

  /** Inserts chained records and moves the stored head; the caller's transaction commits it. */
  #appendRows(samples: readonly Sample[], ts: number): Chained {
    const tsIso = recordTs(ts);
    const tsMs = Math.trunc(ts);
    let seq = this.#headSeq;
    let prev = this.#headHash;
    const records: ReadingRecord[] = [];
    for (const sample of samples) {
      seq += 1;
      const record = chainSample(this.device, seq, tsIso, sample, prev);
      const body = encodeRecord(record);
      prev = sha256HexFast(body);
      this.#s.insertRecord.run(seq, tsMs, prev, body);
      records.push(record);
    }
    return { records, seq, hash: prev };
  }

  /** In-memory mirror of the head, updated only after the transaction committed. */
  #setHead(c: Chained): void {
    this.#headSeq = c.seq;
    this.#headHash = c.hash;
  }

  /** How many records wait for a batch, and the clock time of the oldest. */
  unbatched(): { count: number; oldestMs?: number } {
    this.#open();
    const count = this.#headSeq - this.#batchedUpTo;
    if (count === 0) return { count };
    return { count, oldestMs: this.#s.recordTs.get(this.#batchedUpTo + 1) };
  }

  /**
   * Signs the next up to `maxRecords` unbatched records as one batch and stores it (state queued). The signature
   * is made outside the transaction (a Signer may be async); the insert re-checks that no one batched meanwhile.
   */
  async createBatch(maxRecords: number, signer: Signer, nowMs: number): Promise<OutboxBatch | undefined> {
    this.#open();
    const fromSeq = this.#batchedUpTo + 1;
    const toSeq = Math.min(this.#headSeq, this.#batchedUpTo + maxRecords);
    if (toSeq < fromSeq) return undefined;
    const first = this.#s.recordBody.get(fromSeq);
    const last = this.#s.recordHash.get(toSeq);
    if (first === undefined || last === undefined) {
      throw new ColdtrailError(ErrorCode.Corrupted, `outbox ${this.path} lost records ${fromSeq}-${toSeq}`);
    }
    const prev = (JSON.parse(first) as ReadingRecord).prev;
    const sig = await signBatchHeader(
      batchHeader({ device: this.device, fromSeq, toSeq, prev, head: last }),
      signer,
    );
    this.#open();
    const batch: OutboxBatch = {
      fromSeq,
      toSeq,
      head: last,
      sig,
      state: 'queued',
      createdMs: Math.floor(nowMs),
    };
    const stored = this.#db.transaction(() => {
      if (this.#batchedUpTo !== fromSeq - 1) return false;
      this.#s.insertBatch.run(fromSeq, toSeq, last, sig, batch.createdMs);
      this.#s.setBatchedUpTo.run(toSeq);
      return true;
    })();
    if (!stored) return undefined;
    this.#batchedUpTo = toSeq;
    return batch;
  }

  batch(fromSeq: number): OutboxBatch | undefined {
    this.#open();
    const row = this.#s.batch.get(fromSeq);
    return row && toBatch(row);
  }

  /** Batch covering `seq`, if any. */
  batchContaining(seq: number): OutboxBatch | undefined {
    this.#open();
    const row = this.#s.batchContaining.get(seq);
    return row && row.to_seq >= seq ? toBatch(row) : undefined;
  }

  /** Batches still to deliver (queued or sent) with fromSeq > afterSeq, oldest first. */
  pendingBatches(afterSeq: number, limit: number): OutboxBatch[] {
    this.#open();
    return this.#s.pending.all(afterSeq, limit).map(toBatch);
  }

  /** The wire payload of a batch: `{device, fromSeq, toSeq, records, head, sig}` (core parseBatch reads it). */
  batchPayload(b: Pick<OutboxBatch, 'fromSeq' | 'toSeq' | 'head' | 'sig'>): Buffer {
    this.#open();
    const bodies = this.#s.bodies.all(b.fromSeq, b.toSeq);
    if (bodies.length !== b.toSeq - b.fromSeq + 1) {
      throw new ColdtrailError(
        ErrorCode.Corrupted,
        `records of batch ${b.fromSeq}-${b.toSeq} are missing from ${this.path}`,
      );
    }
    // Bodies are canonical JSON already; the envelope is plain JSON (only records and header are hashed/signed).
    return Buffer.from(
      `{"device":${JSON.stringify(this.device)},"fromSeq":${b.fromSeq},"toSeq":${b.toSeq},` +
        `"records":[${bodies.join(',')}],"head":"${b.head}","sig":"${b.sig}"}`,
    );
  }

  /** PUBACK received: queued -> sent. Returns whether the state changed. */
  markSent(fromSeq: number): boolean {
    this.#open();
    return this.#s.markSent.run(fromSeq).changes > 0;
  }

  /**
   * The ingest stored everything up to `storedUpTo`: raises the watermark and marks covered batches acked.
   * Refuses a watermark above anything this device batched (a hostile or foreign ack would otherwise let the
   * agent delete records the ingest never saw).
   */
  /** Hash of record `seq` while the outbox still holds it (GENESIS_HASH for 0). */
  hashAt(seq: number): string | undefined {
    this.#open();
    if (seq === 0) return GENESIS_HASH;
    return this.#s.recordHash.get(seq);
  }

  acknowledge(storedUpTo: number): OutboxBatch[] {
    this.#open();
    if (!Number.isSafeInteger(storedUpTo) || storedUpTo < 0 || storedUpTo > this.#batchedUpTo) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `ack says stored up to ${storedUpTo}, but this device batched only up to ${this.#batchedUpTo}`,
      );
    }
    const next = Math.max(this.#storedUpTo, storedUpTo);
    const acked = this.#db.transaction(() => {
      this.#s.setStoredUpTo.run(next);
      return this.#s.markAcked.all(next).map(toBatch);
    })();
    this.#storedUpTo = next;
    return acked;
  }

  /**
   * The ingest refused the records in the notice: undelivered batches overlapping it become refused (kept
   * forever) and one `ingest-refused` fault record is chained, in the same transaction.
   */
  refuse(notice: RefusalNotice, nowMs: number): RefusalResult {
    this.#open();
    const result = this.#db.transaction((): { batches: OutboxBatch[]; chained?: Chained } => {
      const rows = this.#s.markRefused.all(JSON.stringify(notice), notice.toSeq, notice.fromSeq);
      if (rows.length === 0) return { batches: [] };
      const sample: Sample = { sensor: AGENT_SENSOR, kind: 'fault', fault: FaultCode.IngestRefused };
      return { batches: rows.map(toBatch), chained: this.#appendRows([sample], nowMs) };
    })();
    if (!result.chained) return { batches: [] };
    this.#setHead(result.chained);
    return { batches: result.batches, fault: result.chained.records[0]! };
  }

  /**
   * Deletes records that are acknowledged end to end (in an acked batch, at or below the watermark) AND older
   * than `retentionMs` by their own timestamp. Records of refused or unacknowledged batches are never deleted.
   */
  prune(nowMs: number, retentionMs: number): number {
    this.#open();
    return this.#db.transaction(() => {
      this.#s.setHead.run(this.#headSeq, this.#headHash); // the head outlives the records it may delete
      const n = this.#s.pruneRecords.run(this.#storedUpTo, Math.floor(nowMs - retentionMs)).changes;
      this.#s.pruneBatches.run();
      return n;
    })();
  }

  /**
   * Deletes up to `maxRecords` of the oldest records acknowledged end to end, inside the retention window too:
   * the disk budget's first way to make room (disk-budget.ts). Same guards as `prune`: never a record of a
   * refused, queued or sent batch, never one above the watermark.
   */
  pruneOldestAcked(maxRecords: number): number {
    this.#open();
    return this.#db.transaction(() => {
      this.#s.setHead.run(this.#headSeq, this.#headHash);
      const n = this.#s.pruneOldestAcked.run(this.#storedUpTo, maxRecords).changes;
      this.#s.pruneBatches.run();
      return n;
    })();
  }

  /**
   * Bytes the outbox holds: `liveBytes`, the database's pages in use (what the disk budget counts: pages freed
   * by deletes stay in the file and are reused before it grows), and `fileBytes`, the files on disk (the main
   * file, its -wal and -shm).
   */
  diskUsage(): { liveBytes: number; fileBytes: number } {
    this.#open();
    return outboxDiskUsage(this.#db, this.path);
  }

  counts(): OutboxCounts {
    this.#open();
    const batches: Record<BatchState, number> = { queued: 0, sent: 0, acked: 0, refused: 0 };
    for (const r of this.#s.batchCounts.all()) batches[r.state] = r.n;
    return {
      records: this.#s.recordCount.get()!,
      unbatched: this.#headSeq - this.#batchedUpTo,
      pending: this.#headSeq - this.#storedUpTo,
      batches,
    };
  }

  /** Stored records in [fromSeq, toSeq], parsed. */
  records(fromSeq: number, toSeq: number): ReadingRecord[] {
    this.#open();
    return this.#s.bodies.all(fromSeq, toSeq).map((b) => JSON.parse(b) as ReadingRecord);
  }

  /**
   * Idempotent. Leaves the file in rollback-journal mode (checkpointed, no -wal/-shm): a read-only reader such
   * as `coldtrail agent status` then opens it without creating any file, where a WAL-mode file makes SQLite
   * create -wal and -shm even for a read-only connection. `open` switches back to WAL (outbox-schema.ts); if
   * another connection is reading, the switch fails harmlessly and the file stays in WAL mode.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#db.pragma('journal_mode = DELETE');
    } catch {
      // busy: a reader has it open; WAL mode stays, which is just as safe
    }
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw new ColdtrailError(ErrorCode.Unavailable, `outbox ${this.path} is closed`);
  }

  /**
   * The head is the last stored record; `chain.head_*` is written only before records are deleted, so it holds
   * the head when the newest records are gone. A cheap integrity check at every open: the last record's body
   * must hash to its stored hash, and agree with `chain` if both name the same seq.
   */
  #loadHead(seq: number, hash: string): { seq: number; hash: string } {
    const last = this.#s.lastRecord.get();
    const bad = (why: string) =>
      new ColdtrailError(ErrorCode.Corrupted, `outbox ${this.path}: chain head record #${last?.seq} ${why}`);
    if (!last || last.seq < seq) return { seq, hash };
    if (sha256HexFast(last.body) !== last.hash) throw bad('does not match its stored hash');
    if (last.seq === seq && last.hash !== hash) throw bad('differs from the saved chain head');
    if (last.seq < this.#batchedUpTo) throw bad(`is below the batched watermark #${this.#batchedUpTo}`);
    return { seq: last.seq, hash: last.hash };
  }
}
