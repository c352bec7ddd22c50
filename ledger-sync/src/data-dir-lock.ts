import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';

/**
 * One writer per data directory. The embedded ledger and the SQLite stores assume a single process appends
 * to them (two demos on one directory interleaved their writes into a "verified" 4-reading shipment), so a
 * writer takes `<dir>/coldtrail.lock` at start: created exclusively (O_EXCL), holding its pid, host and the
 * process's start time. A lock whose process is gone — or whose pid now belongs to another process — is stale
 * (a crash, a kill -9) and is taken over. Readers take no lock: they open everything read-only.
 */
export const LOCK_FILE = 'coldtrail.lock';

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  /** Kernel start time of the process (Linux /proc/<pid>/stat field 22), to tell a reused pid apart. */
  started: string | null;
  token: string;
  since: string;
}

function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses) start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Whether the lock's holder still runs: same host, pid alive, and (where the kernel tells) the same process. */
function held(info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // cannot check another machine: assume it runs
  if (!alive(info.pid)) return false;
  const started = processStart(info.pid);
  return info.started === null || started === null || started === info.started;
}

function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return Number.isSafeInteger(info.pid) && typeof info.host === 'string' ? (info as LockInfo) : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale below
  }
}

/** Makes sure `dir` is a directory this process can write, with an error that says what to do if not. */
export function ensureWritableDir(dir: string, what = 'data dir'): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw dirError(dir, what, err);
  }
}

function dirError(dir: string, what: string, err: unknown): ColdtrailError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOTDIR' || code === 'EEXIST'
      ? 'it is a file, not a directory'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'this user cannot write there'
        : (err as Error).message;
  return new ColdtrailError(
    ErrorCode.InvalidConfig,
    `${what} ${dir} cannot be used: ${why}; pass another --data-dir (or fix its permissions)`,
    { cause: err },
  );
}

/**
 * Takes the data directory's lock, or throws UNAVAILABLE `data dir DIR is in use by pid N` while another
 * live process holds it. The directory is created if needed; one that is a file or not writable is
 * INVALID_CONFIG.
 */
export function lockDataDir(dir: string): DataDirLock {
  ensureWritableDir(dir);
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    started: processStart(process.pid),
    token: randomBytes(8).toString('hex'),
    since: new Date().toISOString(),
  };
  // Written whole to a private name, then linked into place: link(2) fails if the lock exists, and nobody
  // ever sees a half-written lock.
  const tmp = `${file}.${info.token}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(info)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw dirError(dir, 'data dir', err);
  }
  try {
    return take(dir, file, tmp, info);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // gone already
    }
  }
}

function take(dir: string, file: string, tmp: string, info: LockInfo): DataDirLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      linkSync(tmp, file);
      return ownLock(file, info.token);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw dirError(dir, 'data dir', err);
    }
    const holder = readLock(file);
    if (holder && held(holder)) {
      const where = holder.host === info.host ? '' : ` on ${holder.host}`;
      throw new ColdtrailError(
        ErrorCode.Unavailable,
        `data dir ${dir} is in use by pid ${holder.pid}${where}: one process writes a data dir at a time; stop it first${where ? ` (or, if it is gone, delete ${file})` : ''}`,
        { details: { pid: holder.pid, host: holder.host } },
      );
    }
    // Stale: move it aside under a unique name (only one contender wins the rename), then try again.
    try {
      const aside = `${file}.stale-${info.token}`;
      renameSync(file, aside);
      unlinkSync(aside);
    } catch {
      // another process took it over first; the next attempt sees its lock
    }
  }
  throw new ColdtrailError(ErrorCode.Unavailable, `data dir ${dir}: could not take ${file}; try again`);
}

function ownLock(file: string, token: string): DataDirLock {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      if (readLock(file)?.token === token) {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      }
    },
  };
}
