import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';

/** Size of a file, 0 if it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Pages in use times the page size (`liveBytes`: page_count counts the pages committed to the WAL too), and the
 * bytes of the outbox's files on disk. Works on a read-only connection (agent-status.ts).
 */
export function outboxDiskUsage(
  db: Database.Database,
  path: string,
): { liveBytes: number; fileBytes: number } {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const size = db.pragma('page_size', { simple: true }) as number;
  const fileBytes = fileSize(path) + fileSize(`${path}-wal`) + fileSize(`${path}-shm`);
  return { liveBytes: (pages - free) * size, fileBytes };
}
