import { dirname } from 'node:path';
import { prng } from '../seeded-random.js';

/**
 * Replays the shim's log (shim.c) on a model of a disk that loses power: what a file holds after the cut is
 * what it held at its last fsync, what a directory holds is what it held at its last fsync (POSIX fsync():
 * a file's fsync does not make its name durable; SQLite syncs the directory when it creates a journal or WAL).
 * Anything written since may or may not have reached the platter, in any order: a "subset" image applies a
 * random subset of those writes, and with `tear` a random subset of each write's 512-byte sectors. The -shm
 * file is dropped: SQLite maps it (never writes it through write()) and rebuilds it from the WAL when the
 * first connection opens (https://www.sqlite.org/walformat.html#the_wal_index_file_format).
 */
export type LogEntry =
  | { t: 'create'; id: number; path: string }
  | { t: 'write'; id: number; offset: number; data: Buffer }
  | { t: 'truncate'; id: number; length: number }
  | { t: 'sync'; id: number }
  | { t: 'dirsync'; path: string }
  | { t: 'unlink'; path: string }
  | { t: 'rename'; from: string; to: string }
  | { t: 'map'; id: number }
  | { t: 'marker'; text: string };

/** Parses the log; refuses one that holds a call the model cannot replay. */
export function parseLog(text: string): LogEntry[] {
  const entries: LogEntry[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const sp = line.indexOf(' ');
    const tag = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    const parts = rest.split(' ');
    const num = (k: number) => {
      const n = Number(parts[k]);
      if (!Number.isSafeInteger(n))
        throw new Error(`log line ${i + 1}: bad number in "${line.slice(0, 80)}"`);
      return n;
    };
    switch (tag) {
      case 'C':
        entries.push({ t: 'create', id: num(0), path: parts.slice(1).join(' ') });
        break;
      case 'W':
        entries.push({ t: 'write', id: num(0), offset: num(1), data: Buffer.from(parts[2] ?? '', 'hex') });
        break;
      case 'T':
        entries.push({ t: 'truncate', id: num(0), length: num(1) });
        break;
      case 'S':
        entries.push({ t: 'sync', id: num(0) });
        break;
      case 'D':
        entries.push({ t: 'dirsync', path: rest });
        break;
      case 'U':
        entries.push({ t: 'unlink', path: rest });
        break;
      case 'R':
        entries.push({ t: 'rename', from: parts[0] ?? '', to: parts[1] ?? '' });
        break;
      case 'P':
        entries.push({ t: 'map', id: num(0) });
        break;
      case 'M':
        entries.push({ t: 'marker', text: rest });
        break;
      case 'E':
        throw new Error(
          `log line ${i + 1}: ${rest} existed before the run; the watched directory must start empty`,
        );
      case 'Z':
        throw new Error(`log line ${i + 1}: the writer made a call the replay cannot model (${rest})`);
      default:
        throw new Error(`log line ${i + 1}: unknown record "${line.slice(0, 80)}"`);
    }
  }
  return entries;
}

type FileOp = { t: 'write'; offset: number; data: Buffer } | { t: 'truncate'; length: number };
type NsOp =
  | { t: 'create'; path: string; id: number }
  | { t: 'unlink'; path: string }
  | { t: 'rename'; from: string; to: string };

/** A growable byte array (a WAL grows by one frame per page written). */
class Bytes {
  #buf = Buffer.alloc(0);
  #len = 0;
  apply(op: FileOp): void {
    if (op.t === 'truncate') {
      if (op.length > this.#len) this.#reserve(op.length);
      else this.#buf.fill(0, op.length, this.#len);
      this.#len = op.length;
      return;
    }
    const end = op.offset + op.data.length;
    this.#reserve(end);
    op.data.copy(this.#buf, op.offset);
    this.#len = Math.max(this.#len, end);
  }
  copy(): Bytes {
    const b = new Bytes();
    b.#buf = Buffer.from(this.#buf.subarray(0, this.#len));
    b.#len = this.#len;
    return b;
  }
  contents(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }
  #reserve(n: number): void {
    if (n <= this.#buf.length) return;
    const next = Buffer.alloc(Math.max(n, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
}

export type Rng = () => number;

/** Seeded (test/seeded-random.ts), so a failing subset can be replayed from its seed. */
export const rng = prng;

const SECTOR = 512;

/** The disk as the log has left it so far. */
export class Disk {
  readonly #durable = new Map<number, Bytes>();
  readonly #pending = new Map<number, FileOp[]>();
  readonly #live = new Map<string, number>();
  #durableNames = new Map<string, number>();
  #pendingNs: NsOp[] = [];
  /** Every name the writer created, and the ones it mapped writable (must be -shm files). */
  readonly created = new Set<string>();

  apply(e: LogEntry): void {
    switch (e.t) {
      case 'create':
        this.#live.set(e.path, e.id);
        this.#durable.set(e.id, new Bytes());
        this.#pending.set(e.id, []);
        this.#pendingNs.push(e);
        this.created.add(e.path);
        return;
      case 'write':
      case 'truncate':
        this.#ops(e.id).push(e);
        return;
      case 'sync': {
        const file = this.#durable.get(e.id)!;
        for (const op of this.#ops(e.id)) file.apply(op);
        this.#pending.set(e.id, []);
        return;
      }
      case 'dirsync': {
        const [now, later] = partition(this.#pendingNs, (op) => nsDir(op) === e.path);
        for (const op of now) applyNs(this.#durableNames, op);
        this.#pendingNs = later;
        return;
      }
      case 'unlink':
        this.#live.delete(e.path);
        this.#pendingNs.push(e);
        return;
      case 'rename': {
        if (dirname(e.from) !== dirname(e.to))
          throw new Error(`rename across directories: ${e.from} ${e.to}`);
        const id = this.#live.get(e.from);
        this.#live.delete(e.from);
        if (id !== undefined) this.#live.set(e.to, id);
        this.#pendingNs.push(e);
        return;
      }
      case 'map': {
        const name = [...this.#live].find(([, id]) => id === e.id)?.[0];
        if (!name?.endsWith('-shm'))
          throw new Error(`${name ?? `file ${e.id}`} is mapped writable: its writes are invisible here`);
        return;
      }
      case 'marker':
        return;
      default:
        e satisfies never;
    }
  }

  /**
   * The files after a power cut now, path -> bytes. Without `random`, only what was fsynced; with it, also a
   * random subset of the rest: per directory a prefix of its unsynced name changes (a journaling file system
   * commits them in order), per file each unsynced write (or, with `tear`, each of its sectors) kept or lost.
   */
  image(random?: { rng: Rng; tear: boolean }): Map<string, Buffer> {
    const names = new Map(this.#durableNames);
    if (random) {
      const count = new Map<string, number>();
      for (const op of this.#pendingNs) count.set(nsDir(op), (count.get(nsDir(op)) ?? 0) + 1);
      const cut = new Map([...count].map(([d, n]) => [d, Math.floor(random.rng() * (n + 1))]));
      const seen = new Map<string, number>();
      for (const op of this.#pendingNs) {
        const d = nsDir(op);
        const n = (seen.get(d) ?? 0) + 1;
        seen.set(d, n);
        if (n <= cut.get(d)!) applyNs(names, op);
      }
    }
    const files = new Map<string, Buffer>();
    for (const [path, id] of names) {
      if (path.endsWith('-shm')) continue;
      const durable = this.#durable.get(id)!;
      const pending = this.#ops(id);
      if (!random || pending.length === 0) {
        files.set(path, durable.contents());
        continue;
      }
      const file = durable.copy();
      for (const op of pending) {
        if (op.t === 'truncate' || !random.tear || op.data.length <= SECTOR) {
          if (random.rng() < 0.5) file.apply(op);
          continue;
        }
        // a torn write: each 512-byte sector (by absolute offset) landed or not
        for (let s = op.offset - (op.offset % SECTOR); s < op.offset + op.data.length; s += SECTOR) {
          if (random.rng() >= 0.5) continue;
          const from = Math.max(s, op.offset) - op.offset;
          const to = Math.min(s + SECTOR, op.offset + op.data.length) - op.offset;
          file.apply({ t: 'write', offset: op.offset + from, data: op.data.subarray(from, to) });
        }
      }
      files.set(path, file.contents());
    }
    return files;
  }

  /** Unsynced writes and truncations of the files that still have a name (the -shm file aside). */
  unsynced(): number {
    let n = 0;
    for (const [path, id] of this.#live) if (!path.endsWith('-shm')) n += this.#pending.get(id)?.length ?? 0;
    return n;
  }

  #ops(id: number): FileOp[] {
    const ops = this.#pending.get(id);
    if (!ops) throw new Error(`file ${id} was written but never created under the watched directory`);
    return ops;
  }
}

function nsDir(op: NsOp): string {
  return dirname(op.t === 'rename' ? op.from : op.path);
}

function applyNs(names: Map<string, number>, op: NsOp): void {
  if (op.t === 'create') names.set(op.path, op.id);
  else if (op.t === 'unlink') names.delete(op.path);
  else {
    const id = names.get(op.from);
    names.delete(op.from);
    if (id !== undefined) names.set(op.to, id);
  }
}

function partition<T>(xs: readonly T[], p: (x: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of xs) (p(x) ? yes : no).push(x);
  return [yes, no];
}

/** One instant at which the power may fail: the log up to `index` (exclusive) has happened. */
export interface CrashPoint {
  index: number;
  /** What the disk holds: the synced state, or a seeded random subset of the unsynced writes on top. */
  kind: 'synced' | 'subset';
  seed?: number;
  files: Map<string, Buffer>;
  /** The writer's markers before `index`: everything it had acknowledged by then. */
  markers: string[];
  /** Writes and truncations the writer had made that no fsync covered yet (the synced image drops them all). */
  unsynced: number;
}

export interface CrashPlan {
  /** Random subset images at each sync point, besides its synced image (0: synced images only). */
  subsetsPerSync: number;
  /** Subset images at this many further log positions, drawn at random. */
  randomPoints: number;
  tear: boolean;
  seed: number;
}

/**
 * Every crash point the plan asks for, in log order. The synced state changes only at an fsync, and what was
 * acknowledged only grows, so the hardest instant for each synced state is the one just before the next
 * fsync returns: every sync point of the log is one crash point (plus the end of the log).
 */
export function* crashPoints(entries: readonly LogEntry[], plan: CrashPlan): Generator<CrashPoint> {
  const pick = rng(plan.seed);
  const extra = new Set<number>();
  for (let i = 0; i < plan.randomPoints; i++) extra.add(Math.floor(pick() * entries.length));
  const disk = new Disk();
  const markers: string[] = [];
  const subset = (index: number) => {
    const seed = Math.floor(pick() * 2 ** 31);
    const files = disk.image({ rng: rng(seed), tear: plan.tear });
    return { index, kind: 'subset' as const, seed, files, markers: [...markers], unsynced: disk.unsynced() };
  };
  for (let index = 0; index <= entries.length; index++) {
    const e = entries[index];
    const atSync = e === undefined || e.t === 'sync' || e.t === 'dirsync';
    if (atSync) {
      yield { index, kind: 'synced', files: disk.image(), markers: [...markers], unsynced: disk.unsynced() };
      for (let k = 0; k < plan.subsetsPerSync; k++) yield subset(index);
    }
    if (extra.has(index) && !atSync) yield subset(index);
    if (e === undefined) break;
    disk.apply(e);
    if (e.t === 'marker') markers.push(e.text);
  }
}
