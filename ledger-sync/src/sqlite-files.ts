import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import Database from 'better-sqlite3';

/**
 * Creates a new database at `path` so that the path only ever holds a complete one: it is built under a
 * temporary name beside it (`init` runs in one transaction, synchronous=FULL), synced, renamed into place,
 * and the directory synced. A power cut or a kill during the first start leaves at most a stray temporary
 * file, never a half-made database that assertTables would then — rightly — refuse for good (found by
 * test/power-loss: SCHEMA_SQL's statements each committed on their own).
 */
export function createDatabaseAtomically(path: string, init: (db: Database.Database) => void): void {
  const tmp = `${path}.creating-${process.pid}`;
  for (const f of [tmp, `${tmp}-journal`]) rmSync(f, { force: true });
  const db = new Database(tmp);
  try {
    db.pragma('synchronous = FULL');
    db.transaction(() => init(db))();
  } catch (err) {
    db.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  db.close();
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * The file holds the tables of a coldtrail database (`what`: "ledger", "reading store"): a 0-byte or
 * foreign file is CORRUPTED — it was emptied or replaced — never an empty database to start afresh in.
 */
export function assertTables(
  db: Database.Database,
  file: string,
  what: string,
  required: readonly string[],
): void {
  let tables: string[];
  try {
    tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((t) => t.name);
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `${file} is not a coldtrail ${what}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const missing = required.filter((t) => !tables.includes(t));
  if (missing.length > 0) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `${file} is not a coldtrail ${what} (no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}): it was emptied or replaced; restore it from a backup`,
    );
  }
}

/**
 * Leaves the database in rollback-journal mode when its writer closes, so that a later read-only open
 * creates no -wal/-shm files: a read then changes nothing in the data directory (a WAL database opened
 * read-only makes both, https://www.sqlite.org/wal.html#readonly). The writer switches back to WAL on open.
 * Best effort: with a reader still attached the switch is refused and the files stay.
 */
export function closeForReaders(db: Database.Database): void {
  try {
    db.pragma('journal_mode = DELETE');
  } catch {
    // busy: a reader holds it; WAL stays, nothing is lost
  }
  db.close();
}
