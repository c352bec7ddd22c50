import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateDeviceKey } from '@coldtrail/agent';
import { checkPoint } from './check.js';
import { type CrashPlan, crashPoints, type LogEntry, parseLog } from './replay.js';

const SHIM = new URL('./shim.c', import.meta.url).pathname;
const WRITER = new URL('./writer-child.mjs', import.meta.url).pathname;

/** Compiles shim.c into `dir`. gcc is required: without it this test cannot see what reaches the disk. */
export async function buildShim(dir: string): Promise<string> {
  const out = join(dir, 'shim.so');
  try {
    await promisify(execFile)('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', out, SHIM, '-ldl']);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'the power-loss test needs gcc (and libc6-dev) to build its LD_PRELOAD shim: apt-get install gcc libc6-dev',
      );
    }
    throw new Error(`gcc could not build ${SHIM}: ${e.stderr ?? e.message}`);
  }
  return out;
}

export type UnsafeSync = 'off' | 'normal';

export interface WriterRun {
  entries: LogEntry[];
  keyDir: string;
  base: string;
}

/**
 * Runs writer-child.mjs under the shim on an empty watched directory and returns the parsed log.
 * `unsafe` rewrites the production code's synchronous=FULL in the child only (see writer-child.mjs).
 */
export async function runWriter(shim: string, cycles: number, unsafe?: UnsafeSync): Promise<WriterRun> {
  const base = mkdtempSync(join(tmpdir(), 'coldtrail-power-loss-'));
  const watched = join(base, 'disk');
  for (const d of ['agent', 'server']) mkdirSync(join(watched, d), { recursive: true });
  const keyDir = join(base, 'key');
  mkdirSync(keyDir);
  const log = join(base, 'shim.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LD_PRELOAD: shim,
    COLDTRAIL_PL_DIR: watched,
    COLDTRAIL_PL_LOG: log,
  };
  delete env.COLDTRAIL_PL_UNSAFE_SYNC;
  if (unsafe) env.COLDTRAIL_PL_UNSAFE_SYNC = unsafe;
  const child = spawn(process.execPath, [WRITER, watched, log, keyDir, String(cycles)], {
    env,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the writer exited with ${code}: ${stderr}`);
  return { entries: parseLog(readFileSync(log, 'utf8')), keyDir, base };
}

export interface PointFailure {
  index: number;
  /** Whether the reading store's first open had returned by then (writer-child.mjs marks it). */
  afterStart: boolean;
  kind: 'synced' | 'subset';
  seed?: number;
  problems: string[];
}

export interface Report {
  points: { synced: number; subset: number };
  /** Sync points (fsync of a file or a directory) in the log. */
  syncs: number;
  /** Crash points at which something had been acknowledged. */
  withAcks: number;
  /** Synced crash points at which the writer had writes no fsync covered yet: a kill -9 would keep them, the
   * image drops them. */
  withUnsynced: number;
  failures: PointFailure[];
}

/** Checks the writer's directory at every crash point of `plan`. */
export async function checkRun(run: WriterRun, plan: CrashPlan): Promise<Report> {
  const key = await loadOrCreateDeviceKey(run.keyDir);
  // tmpfs where there is one: the checks' own fsyncs (opening runs recovery, closing checkpoints) cost nothing
  const scratchRoot = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/coldtrail-power-loss-') : run.base;
  const scratch = join(scratchRoot, 'rebooted');
  const report: Report = {
    points: { synced: 0, subset: 0 },
    syncs: run.entries.filter((e) => e.t === 'sync' || e.t === 'dirsync').length,
    withAcks: 0,
    withUnsynced: 0,
    failures: [],
  };
  const verified = new Set<string>();
  try {
    for (const point of crashPoints(run.entries, plan)) {
      report.points[point.kind]++;
      if (point.markers.some((m) => m.startsWith('append '))) report.withAcks++;
      if (point.kind === 'synced' && point.unsynced > 0) report.withUnsynced++;
      const problems = await checkPoint(point, scratch, key, verified);
      if (problems.length === 0) continue;
      const afterStart = point.markers.includes('opened store');
      report.failures.push({ index: point.index, afterStart, kind: point.kind, seed: point.seed, problems });
    }
  } finally {
    rmSync(scratchRoot === run.base ? scratch : scratchRoot, { recursive: true, force: true });
  }
  return report;
}

/** The writer's markers (everything it acknowledged, the pragmas it issued) in log order. */
export function markers(run: WriterRun): string[] {
  return run.entries.flatMap((e) => (e.t === 'marker' ? [e.text] : []));
}
