import { closeSync, existsSync, openSync, readdirSync, readSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ColdtrailError, ErrorCode, isColdtrailError } from '@coldtrail/core';
import Database from 'better-sqlite3';
import type { Log } from './log.js';
import { Outbox } from './outbox.js';

/** The 16 bytes every SQLite 3 database file starts with (https://www.sqlite.org/fileformat.html §1.3). */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const SIDE_FILES = ['-wal', '-shm'] as const;

/** `outbox.corrupt-<timestamp>.sqlite` files moved aside in `dir` (oldest first). */
export function corruptOutboxes(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => /^outbox\.corrupt-[0-9TZ-]+\.sqlite$/.test(n))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Opens the outbox at `path` after checking it, for the agent's start. A damaged file (not SQLite by its
 * header, failing `PRAGMA quick_check`, or refused by the outbox's own head check) is moved aside with its -wal
 * and -shm as `outbox.corrupt-<timestamp>.sqlite`, logged, and reported as CORRUPTED: never opened or recreated
 * over unsent data.
 *
 * The agent then does not start, and keeps refusing while a moved-aside file sits in the data directory and no
 * outbox does: a new chain from seq 1 under the same device id would collide with the records the server
 * already holds (the ingest drops duplicates by (device, seq), so new readings would be lost as "duplicates"
 * or refused as a fork). agent/README.md "Corrupted outbox" says how to recover.
 */
export function openCheckedOutbox(
  path: string,
  options: { device: string; now?: () => number; log?: Log },
): Outbox {
  const dir = dirname(path);
  if (!existsSync(path)) {
    const aside = corruptOutboxes(dir);
    if (aside.length > 0)
      throw refusal(path, join(dir, aside.at(-1)!), 'was moved aside at an earlier start');
    return Outbox.open(path, { device: options.device });
  }
  const problem = damage(path);
  if (problem === undefined) {
    try {
      return Outbox.open(path, { device: options.device });
    } catch (err) {
      if (!isCorruption(err)) throw err;
      return quarantine(path, (err as Error).message, options);
    }
  }
  return quarantine(path, problem, options);
}

/** What is wrong with the file, or undefined if it looks like a sound SQLite database. */
function damage(path: string): string | undefined {
  const size = statSync(path).size;
  if (size === 0) {
    // A power cut between creating the file and writing its first page leaves it empty: nothing was stored.
    return SIDE_FILES.some((s) => existsSync(path + s) && statSync(path + s).size > 0)
      ? 'the database file is empty but its write-ahead log is not'
      : undefined;
  }
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) return 'it does not start with the SQLite header';
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const bad = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    return bad.length > 0 ? `quick_check: ${bad.slice(0, 3).join('; ')}` : undefined;
  } catch (err) {
    return `SQLite cannot read it: ${(err as Error).message}`;
  } finally {
    db?.close();
  }
}

function isCorruption(err: unknown): boolean {
  if (isColdtrailError(err, ErrorCode.Corrupted)) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(NOTADB|CORRUPT)/.test(code);
}

function quarantine(path: string, problem: string, options: { now?: () => number; log?: Log }): never {
  const stamp = new Date((options.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
  const aside = join(dirname(path), `${basename(path, '.sqlite')}.corrupt-${stamp}.sqlite`);
  renameSync(path, aside);
  for (const side of SIDE_FILES) if (existsSync(path + side)) renameSync(path + side, aside + side);
  const err = refusal(path, aside, `is damaged (${problem})`);
  options.log?.error(err.message, { outbox: path, movedTo: aside });
  throw err;
}

function refusal(path: string, aside: string, what: string): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.Corrupted,
    `the outbox ${path} ${what}; it is kept as ${aside} (with its -wal/-shm) and the agent will not start a new ` +
      'chain over it, because new records from seq 1 would collide with those the server already holds. Copy ' +
      'that file off the device for recovery, then either put a sound outbox.sqlite back, or set this box up ' +
      'as a new device (coldtrail agent init --device NEW-ID, then coldtrail device enroll) with a fresh data ' +
      'directory. See agent/README.md "Corrupted outbox".',
    { details: { outbox: path, movedTo: aside } },
  );
}
