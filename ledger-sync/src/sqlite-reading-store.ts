import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ColdtrailError,
  ErrorCode,
  GENESIS_HASH,
  type ReadingRecord,
  type RefusalNotice,
} from '@coldtrail/core';
import Database from 'better-sqlite3';
import type {
  AnchorRecord,
  DeviceHead,
  ReadingStore,
  Refusal,
  ShipmentEvaluation,
  StoredBatch,
  StoredHash,
  StoredRecord,
  StoreStats,
} from './reading-store.js';
import { assertTables, closeForReaders, createDatabaseAtomically } from './sqlite-files.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './sqlite-schema.js';

const STORE_TABLES = ['batches', 'heads', 'readings'];

/** The file holds a reading store of a version this code knows. */
function assertStore(db: Database.Database, path: string): void {
  assertTables(db, path, 'reading store', STORE_TABLES);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `reading store ${path} has schema version ${version}; this coldtrail knows ${SCHEMA_VERSION}: upgrade coldtrail`,
    );
  }
}

/** Rebuilds the record exactly from its columns; whatever was edited at rest flows into the re-hash. */
/** A readings row as the records statement returns it: columns in the record's RFC 8785 member order. */
type ReadingTuple = [
  device: string,
  fault: string | null,
  kind: string,
  prev: string,
  sensor: string,
  seq: number,
  ts: string,
  unit: string | null,
  v: number,
  value: number | null,
  hash: string,
];

/** Members in RFC 8785 order, so hashing the rebuilt record needs no sort (core/src/canonical.ts). */
function toRecord(r: ReadingTuple): StoredRecord {
  const [device, fault, kind, prev, sensor, seq, ts, unit, v, value, hash] = r;
  const record = (
    fault === null
      ? { device, kind, prev, sensor, seq, ts, unit, v, value }
      : { device, fault, kind, prev, sensor, seq, ts, unit, v, value }
  ) as ReadingRecord;
  return { record, hash };
}

const BATCH_COLUMNS =
  'device, from_seq AS fromSeq, to_seq AS toSeq, prev, head, sig, received_at AS receivedAt';

/**
 * SQLite reading store. Durability contract: WAL with synchronous=FULL, so a transaction is on disk (the WAL
 * fsynced) when `appendBatch` returns — the ingest answers PUBACK only after that (DESIGN §2.6). A power cut
 * loses no acknowledged batch; an unacknowledged one is resent by the device.
 */
export class SqliteReadingStore implements ReadingStore {
  readonly #db: Database.Database;
  #snapshots: Promise<void> = Promise.resolve();
  readonly #readonly: boolean;
  readonly #sql;
  #closed = false;

  private constructor(db: Database.Database, readonly: boolean) {
    this.#db = db;
    this.#readonly = readonly;
    this.#sql = {
      head: db.prepare<[string], DeviceHead>('SELECT seq, hash FROM heads WHERE device = ?'),
      hashes: db.prepare<[string, number, number], StoredHash>(
        'SELECT seq, hash FROM readings WHERE device = ? AND seq BETWEEN ? AND ? ORDER BY seq',
      ),
      // Rows as arrays (raw): building one object per row twice (the row, then the record) costs a 30-day
      // shipment's provenance ~0.3 s of its 86,400 rows (bench/provenance-time.js).
      records: db
        .prepare<[string, number, number], ReadingTuple>(
          'SELECT device, fault, kind, prev, sensor, seq, ts, unit, v, value, hash FROM readings WHERE device = ? AND seq BETWEEN ? AND ? ORDER BY seq',
        )
        .raw(true),
      insertReading: db.prepare(
        `INSERT INTO readings (device, seq, v, ts, sensor, kind, value, unit, fault, prev, hash)
         VALUES (@device, @seq, @v, @ts, @sensor, @kind, @value, @unit, @fault, @prev, @hash)`,
      ),
      insertBatch: db.prepare(
        `INSERT INTO batches (device, from_seq, to_seq, prev, head, sig, received_at)
         VALUES (@device, @fromSeq, @toSeq, @prev, @head, @sig, @receivedAt)`,
      ),
      setHead: db.prepare(
        `INSERT INTO heads (device, seq, hash) VALUES (?, ?, ?)
         ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
      ),
      batches: db.prepare<[string, number, number], StoredBatch>(
        `SELECT ${BATCH_COLUMNS} FROM batches WHERE device = ? AND from_seq <= ? AND to_seq >= ?
         ORDER BY from_seq, to_seq`,
      ),
      insertRefusal: db.prepare(
        `INSERT INTO refusals (device, from_seq, to_seq, code, reason, at)
         VALUES (@device, @fromSeq, @toSeq, @code, @reason, @at)`,
      ),
      refusals: db.prepare<[string, number], RefusalNotice>(
        `SELECT from_seq AS fromSeq, to_seq AS toSeq, code, reason, at FROM refusals
         WHERE device = ? ORDER BY id DESC LIMIT ?`,
      ),
      insertAnchor: db.prepare(
        `INSERT OR REPLACE INTO anchors (device, from_seq, to_seq, root, tx_id, anchored_at)
         VALUES (@device, @fromSeq, @toSeq, @root, @txId, @anchoredAt)`,
      ),
      anchoredUpTo: db.prepare<[string], { upTo: number | null }>(
        'SELECT MAX(to_seq) AS upTo FROM anchors WHERE device = ?',
      ),
      insertEvaluation: db.prepare(
        `INSERT OR REPLACE INTO evaluations (sscc, device, from_seq, to_seq, excursions, evaluated_at)
         VALUES (@sscc, @device, @fromSeq, @toSeq, @excursions, @evaluatedAt)`,
      ),
      evaluation: db.prepare<[string], ShipmentEvaluation>(
        `SELECT sscc, device, from_seq AS fromSeq, to_seq AS toSeq, excursions, evaluated_at AS evaluatedAt
         FROM evaluations WHERE sscc = ?`,
      ),
      devices: db.prepare<[], { device: string; storedUpTo: number; anchoredUpTo: number | null }>(
        `SELECT h.device, h.seq AS storedUpTo, (SELECT MAX(to_seq) FROM anchors a WHERE a.device = h.device)
         AS anchoredUpTo FROM heads h ORDER BY h.device`,
      ),
      counts: db.prepare<[], { batches: number; refused: number }>(
        'SELECT (SELECT COUNT(*) FROM batches) AS batches, (SELECT COUNT(*) FROM refusals) AS refused',
      ),
    };
  }

  /**
   * Opens (creating if needed) the store at `path` for writing. An existing file must be a reading store: a
   * 0-byte or foreign file is CORRUPTED, never silently turned into a new, empty store.
   */
  static open(path: string): SqliteReadingStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    if (path !== ':memory:' && !existsSync(path)) {
      createDatabaseAtomically(path, (fresh) => {
        fresh.exec(SCHEMA_SQL);
        fresh.pragma(`user_version = ${SCHEMA_VERSION}`);
      });
    }
    const db = new Database(path);
    try {
      db.pragma('busy_timeout = 5000');
      if (path !== ':memory:') assertStore(db, path);
      db.pragma('journal_mode = WAL');
      // FULL: the WAL is fsynced at every commit, so a stored batch survives power loss (sqlite.org/pragma.html#pragma_synchronous).
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA_SQL);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return new SqliteReadingStore(db, false);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Opens an existing store read-only, for queries: nothing is created or changed (see sqlite-files.ts). A
   * missing or foreign file is CORRUPTED: readings a ledger anchors cannot vanish on their own.
   */
  static openReadonly(path: string): SqliteReadingStore {
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new ColdtrailError(
        ErrorCode.Corrupted,
        `the reading store ${path} is missing or unreadable (${(err as Error).message}); restore it from a backup`,
        { cause: err },
      );
    }
    try {
      db.pragma('busy_timeout = 5000');
      assertStore(db, path);
      return new SqliteReadingStore(db, true);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Runs `fn` with every read of this (read-only) store inside one read transaction: what it reads is one
   * consistent state of the store, however much the ingest writes meanwhile (WAL keeps the snapshot).
   * Calls are serialised, so two answers never share or cut short each other's snapshot.
   */
  async readSnapshot<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#readonly) {
      throw new ColdtrailError(ErrorCode.Forbidden, 'a read snapshot is only for a store opened read-only');
    }
    const run = this.#snapshots.then(async () => {
      this.#db.exec('BEGIN');
      try {
        return await fn();
      } finally {
        this.#db.exec('COMMIT');
      }
    });
    this.#snapshots = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async head(device: string): Promise<DeviceHead> {
    return this.#sql.head.get(device) ?? { seq: 0, hash: GENESIS_HASH };
  }

  async recordHashes(device: string, fromSeq: number, toSeq: number): Promise<StoredHash[]> {
    return this.#sql.hashes.all(device, fromSeq, toSeq);
  }

  async records(device: string, fromSeq: number, toSeq: number): Promise<StoredRecord[]> {
    return this.#sql.records.all(device, fromSeq, toSeq).map(toRecord);
  }

  async appendBatch(batch: StoredBatch, records: readonly StoredRecord[]): Promise<DeviceHead> {
    const last = records.at(-1);
    if (!last) throw new ColdtrailError(ErrorCode.InvalidInput, 'appendBatch needs at least one record');
    // The compare-and-swap the ingest's per-device order rests on: BEGIN IMMEDIATE takes the write lock before
    // the head is read, so no other connection (this process or another) can move the head between the check
    // and the insert; a writer that finds the lock taken waits up to busy_timeout (sqlite.org/lang_transaction.html).
    const write = this.#db.transaction(() => {
      const head = this.#sql.head.get(batch.device) ?? { seq: 0, hash: GENESIS_HASH };
      const first = records[0]?.record;
      if (first?.seq !== head.seq + 1 || first.prev !== head.hash) {
        throw new ColdtrailError(
          ErrorCode.Conflict,
          `records of ${batch.device} must continue the stored head #${head.seq}; got #${first?.seq}`,
        );
      }
      for (const { record: r, hash } of records) {
        this.#sql.insertReading.run({ ...r, fault: r.fault ?? null, hash });
      }
      this.#sql.insertBatch.run(batch);
      this.#sql.setHead.run(batch.device, last.record.seq, last.hash);
    });
    write.immediate();
    return { seq: last.record.seq, hash: last.hash };
  }

  async batches(device: string, fromSeq: number, toSeq: number): Promise<StoredBatch[]> {
    return this.#sql.batches.all(device, toSeq, fromSeq);
  }

  async logRefusal(refusal: Refusal): Promise<void> {
    this.#sql.insertRefusal.run(refusal);
  }

  async refusals(device: string, limit: number): Promise<RefusalNotice[]> {
    return this.#sql.refusals.all(device, limit).reverse();
  }

  async saveAnchor(anchor: AnchorRecord): Promise<void> {
    this.#sql.insertAnchor.run(anchor);
  }

  async anchoredUpTo(device: string): Promise<number> {
    return this.#sql.anchoredUpTo.get(device)?.upTo ?? 0;
  }

  async saveEvaluation(evaluation: ShipmentEvaluation): Promise<void> {
    this.#sql.insertEvaluation.run(evaluation);
  }

  async evaluation(sscc: string): Promise<ShipmentEvaluation | undefined> {
    return this.#sql.evaluation.get(sscc);
  }

  async stats(): Promise<StoreStats> {
    const devices = this.#sql.devices.all().map((d) => ({ ...d, anchoredUpTo: d.anchoredUpTo ?? 0 }));
    const counts = this.#sql.counts.get() ?? { batches: 0, refused: 0 };
    // Stored records always run gap-free from seq 1, so the heads add up to the number of readings.
    const readings = devices.reduce((n, d) => n + d.storedUpTo, 0);
    return { readings, ...counts, devices };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#readonly) this.#db.close();
    else closeForReaders(this.#db);
  }
}
