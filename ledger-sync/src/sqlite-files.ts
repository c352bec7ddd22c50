import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type Database from 'better-sqlite3';

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
