import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name of the running agent's status inside the data directory. */
export const STATUS_FILE = 'status.json';
export const STATUS_VERSION = 1;

/** A source's health: `ok`, or the fault code of its last read's first fault. */
export interface SourceStatus {
  address: string;
  health: string;
  /** Clock time (ISO) the health last changed. */
  since: string;
  /** Reads in a row that carried a fault. */
  consecutiveFaults: number;
  /** The last measured value of each sensor of the source, with its clock time. */
  last: { sensor: string; kind: string; value: number; unit: string; ts: string }[];
}

export interface StatusAlarm {
  /** `disk-budget`, `out-of-range`, ... */
  code: string;
  /** The source it concerns, if any. */
  source?: string;
  since: string;
  message: string;
}

/** What the running agent writes to `status.json` (read by `coldtrail agent status`). */
export interface StatusFile {
  v: typeof STATUS_VERSION;
  device: string;
  pid: number;
  /** `stopped` is written by a clean close; a killed agent leaves `running` behind (check pid and age). */
  state: 'running' | 'stopped';
  /** Wall time (ISO) of the start and of this write. */
  startedAt: string;
  updatedAt: string;
  /** The shortest sampling interval (ms): status.json is rewritten at least that often while running. */
  cycleMs: number;
  connection: { state: 'connected' | 'disconnected'; since: string; reason?: string };
  sources: SourceStatus[];
  alarms: StatusAlarm[];
  disk: { state: string; usedBytes: number; budgetBytes: number; warnBytes: number; refusedCycles: number };
  /** The last watermark the ingest acknowledged, and when (wall time) the agent applied it. */
  lastAck?: { seq: number; at: string };
}

/** Writes status.json atomically: a temp file in the same directory, then rename over the old one. */
export function writeStatusFile(dataDir: string, status: StatusFile): void {
  const final = join(dataDir, STATUS_FILE);
  const tmp = `${final}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, final);
}

/** status.json of `dataDir`, undefined if absent or unreadable (never throws: it is advisory). */
export function readStatusFile(dataDir: string): StatusFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, STATUS_FILE), 'utf8')) as StatusFile;
    return parsed && parsed.v === STATUS_VERSION && typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
