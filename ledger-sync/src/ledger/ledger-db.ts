import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { refuseOnFabric } from '../ledger-selection.js';
import { assertTables, createDatabaseAtomically } from '../sqlite-files.js';
import type { Version } from './ledger-records.js';

/**
 * The embedded ledger's SQLite file. WAL with synchronous=FULL: a committed block survives power loss (with
 * NORMAL a WAL commit may roll back on power failure; https://www.sqlite.org/pragma.html#pragma_synchronous),
 * and `submit` resolves only after that commit. Keys are stored as BLOBs of their UTF-8 bytes so range scans
 * order them bytewise, as Fabric's state database does; composite keys contain U+0000, which TEXT handles badly.
 */
export interface LedgerPaths {
  /** Directory holding the database and the key directory. */
  dir: string;
  dbFile: string;
  /** PEM identities: `node/` signs blocks, `msp/<MSPID>/` are the org clients. */
  keysDir: string;
}

const DB_EXTENSIONS = new Set(['.sqlite', '.sqlite3', '.db']);

/** `path` is a directory (`<dir>/ledger.sqlite` + `<dir>/ledger-keys/`) or a database file (`x.db` + `x-keys/`). */
export function resolveLedgerPaths(path: string): LedgerPaths {
  let isFile = DB_EXTENSIONS.has(extname(path).toLowerCase());
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Not there yet: decided by the extension.
  }
  const dbFile = isFile ? path : join(path, 'ledger.sqlite');
  const base = dbFile.slice(0, dbFile.length - extname(dbFile).length);
  return { dir: dirname(dbFile), dbFile, keysDir: `${base}-keys` };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS blocks (
  number INTEGER PRIMARY KEY,
  prev_hash TEXT NOT NULL,
  data_hash TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
  tx_id TEXT PRIMARY KEY,
  block_number INTEGER NOT NULL,
  tx_index INTEGER NOT NULL,
  envelope TEXT NOT NULL,
  validation_code TEXT NOT NULL,
  UNIQUE (block_number, tx_index)
);
CREATE TABLE IF NOT EXISTS state (
  key BLOB PRIMARY KEY,
  value BLOB NOT NULL,
  block_number INTEGER NOT NULL,
  tx_index INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
  key BLOB NOT NULL,
  block_number INTEGER NOT NULL,
  tx_index INTEGER NOT NULL,
  tx_id TEXT NOT NULL,
  value BLOB,
  PRIMARY KEY (key, block_number, tx_index)
) WITHOUT ROWID;
`;

/**
 * Opens the ledger for writing. A database that does not exist yet is created (the ledger's init); an
 * existing file must already be a ledger — a 0-byte or foreign file is never silently made a new, empty one.
 */
export async function openLedgerDb(paths: LedgerPaths): Promise<Database.Database> {
  await mkdir(dirname(paths.dbFile), { recursive: true });
  let db: Database.Database | undefined;
  try {
    if (!existsSync(paths.dbFile)) createDatabaseAtomically(paths.dbFile, (fresh) => fresh.exec(SCHEMA));
    db = new Database(paths.dbFile);
    db.pragma('busy_timeout = 5000');
    assertLedgerSchema(db, paths.dbFile);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // A 64 MiB page cache (default 2 MiB) keeps the inner pages of the state and history B-trees in memory
    // as state grows to millions of keys. It changes nothing about when or what is fsync'ed.
    db.pragma('cache_size = -65536');
    db.exec(SCHEMA);
  } catch (err) {
    db?.close();
    if (err instanceof ColdtrailError) throw err;
    // A file that is there but is no SQLite database (or a damaged one) is corrupted data, not an outage.
    const damaged = /^SQLITE_(NOTADB|CORRUPT)/.test(String((err as { code?: unknown }).code));
    throw new ColdtrailError(
      damaged ? ErrorCode.Corrupted : ErrorCode.Unavailable,
      `cannot open the ledger database ${paths.dbFile}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return db;
}

const LEDGER_TABLES = ['blocks', 'history', 'state', 'transactions'];

/** The file holds the ledger's tables (a 0-byte or foreign file is no ledger: CORRUPTED, not "empty"). */
export function assertLedgerSchema(db: Database.Database, file: string): void {
  assertTables(db, file, 'ledger', LEDGER_TABLES);
}

/**
 * Opens an existing ledger database read-only: verification and queries create and change nothing. A missing
 * database is CORRUPTED when the directory around it holds coldtrail data, since a ledger cannot vanish
 * on its own (callers that can tell "no data here at all" check for that first).
 */
export function openLedgerDbReadonly(paths: LedgerPaths): Database.Database {
  if (!existsSync(paths.dbFile)) {
    refuseOnFabric(paths.dir, 'this command');
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `no ledger at ${paths.dbFile}: it is missing; restore it from a backup (or check --data-dir)`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(paths.dbFile, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `cannot read the ledger ${paths.dbFile}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    assertLedgerSchema(db, paths.dbFile);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export interface StateRow {
  key: Buffer;
  value: Buffer;
  block_number: number;
  tx_index: number;
}

export interface BlockRow {
  number: number;
  prev_hash: string;
  data_hash: string;
  timestamp: string;
  hash: string;
  signature: string;
}

export interface TxRow {
  tx_id: string;
  block_number: number;
  tx_index: number;
  envelope: string;
  validation_code: string;
}

export function versionOf(row: { block_number: number; tx_index: number }): Version {
  return { block: row.block_number, tx: row.tx_index };
}

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>;

export type VersionRow = Pick<StateRow, 'block_number' | 'tx_index'>;

export interface LedgerStatements {
  getState: Stmt<[Buffer], StateRow>;
  /** Versions only, for MVCC at commit: no value is copied out of SQLite. */
  getVersion: Stmt<[Buffer], VersionRow>;
  rangeVersionsBounded: Stmt<[Buffer, Buffer], VersionRow & { key: Buffer }>;
  rangeVersionsOpen: Stmt<[Buffer], VersionRow & { key: Buffer }>;
  rangeBounded: Stmt<[Buffer, Buffer], StateRow>;
  rangeOpen: Stmt<[Buffer], StateRow>;
  tip: Stmt<[], BlockRow>;
  insertBlock: Stmt<[number, string, string, string, string, string]>;
  insertTx: Stmt<[string, number, number, string, string]>;
  putState: Stmt<[Buffer, Buffer, number, number]>;
  deleteState: Stmt<[Buffer]>;
  insertHistory: Stmt<[Buffer, number, number, string, Buffer | null]>;
}

export type ReadStatements = Pick<LedgerStatements, 'getState' | 'rangeBounded' | 'rangeOpen' | 'tip'>;

/** The statements a read-only connection can run (see ledger-reader.ts). */
export function prepareReadStatements(db: Database.Database): ReadStatements {
  return {
    getState: db.prepare<[Buffer], StateRow>('SELECT * FROM state WHERE key = ?'),
    rangeBounded: db.prepare<[Buffer, Buffer], StateRow>(
      'SELECT * FROM state WHERE key >= ? AND key < ? ORDER BY key',
    ),
    rangeOpen: db.prepare<[Buffer], StateRow>('SELECT * FROM state WHERE key >= ? ORDER BY key'),
    tip: db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY number DESC LIMIT 1'),
  };
}

/** Prepared once per connection (better-sqlite3 statements are bound to their database). */
export function prepareStatements(db: Database.Database): LedgerStatements {
  return {
    ...prepareReadStatements(db),
    getVersion: db.prepare<[Buffer], VersionRow>('SELECT block_number, tx_index FROM state WHERE key = ?'),
    rangeVersionsBounded: db.prepare<[Buffer, Buffer], VersionRow & { key: Buffer }>(
      'SELECT key, block_number, tx_index FROM state WHERE key >= ? AND key < ? ORDER BY key',
    ),
    rangeVersionsOpen: db.prepare<[Buffer], VersionRow & { key: Buffer }>(
      'SELECT key, block_number, tx_index FROM state WHERE key >= ? ORDER BY key',
    ),
    insertBlock: db.prepare<[number, string, string, string, string, string]>(
      'INSERT INTO blocks (number, prev_hash, data_hash, timestamp, hash, signature) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertTx: db.prepare<[string, number, number, string, string]>(
      'INSERT INTO transactions (tx_id, block_number, tx_index, envelope, validation_code) VALUES (?, ?, ?, ?, ?)',
    ),
    putState: db.prepare<[Buffer, Buffer, number, number]>(
      'INSERT OR REPLACE INTO state (key, value, block_number, tx_index) VALUES (?, ?, ?, ?)',
    ),
    deleteState: db.prepare<[Buffer]>('DELETE FROM state WHERE key = ?'),
    insertHistory: db.prepare<[Buffer, number, number, string, Buffer | null]>(
      'INSERT INTO history (key, block_number, tx_index, tx_id, value) VALUES (?, ?, ?, ?, ?)',
    ),
  };
}
