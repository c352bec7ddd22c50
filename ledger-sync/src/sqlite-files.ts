import type Database from 'better-sqlite3';

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
