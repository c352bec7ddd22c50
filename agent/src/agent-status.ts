import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { DEFAULT_DISK_WARN_FRACTION } from './disk-budget.js';
import { type LocalAlarmStatus, readLocalAlarmStatus } from './local-alarm-status.js';
import { outboxDiskUsage } from './outbox-disk-usage.js';
import { corruptOutboxes } from './outbox-integrity.js';
import { readStatusFile, type StatusFile } from './status-file.js';

/** File name of the outbox inside the data directory (as agent.ts names it). */
const OUTBOX = 'outbox.sqlite';

export interface AgentStatusInput {
  dataDir: string;
  diskBudgetBytes: number;
  diskWarnBytes?: number | undefined;
}

export interface AgentStatusDeps {
  /** Wall time; default Date.now. */
  now?: () => number;
  /** Whether a process id is alive; default `process.kill(pid, 0)`. */
  pidAlive?: (pid: number) => boolean;
}

/** `coldtrail agent status --json` prints this. */
export interface AgentStatusReport {
  dataDir: string;
  device: string | undefined;
  /** `running` (status.json fresh and its pid alive), `stopped`, `unresponsive` (pid alive, status stale), `never-started`. */
  agent: {
    state: 'running' | 'stopped' | 'unresponsive' | 'never-started';
    pid?: number;
    updatedAt?: string;
    ageMs?: number;
  };
  /** `ok`, `absent` (no outbox yet), or `corrupt` (moved aside: the agent refuses to start). */
  outbox: { state: 'ok' | 'absent' | 'corrupt'; movedAside: string[] };
  backlog: { unbatched: number; batchedNotAcked: number; refused: number; ackedKept: number };
  /** Last seq durably in the outbox. */
  committedUpTo: number;
  /** Last seq acknowledged end to end; `recordTs` its record's time while still kept, `at` when the agent applied it. */
  ackedUpTo: { seq: number; recordTs?: string; at?: string };
  disk: { usedBytes: number; fileBytes: number; budgetBytes: number; warnBytes: number; percent: number };
  connection: StatusFile['connection'] | undefined;
  sources: StatusFile['sources'];
  /** The agent's own alarms (disk budget, out of range, ...) and the profile's temperature alarms. */
  alarms: StatusFile['alarms'];
  /** The shipment the agent watches, from the retained `.../config` downlink. */
  shipment: LocalAlarmStatus['shipment'];
  configRejected: LocalAlarmStatus['configRejected'];
  alarmMessagesPending: number;
}

/** A status older than this many cycles (and at least a minute) means the agent stopped updating it. */
const STALE_CYCLES = 3;

/**
 * Reads an agent's data directory without changing it: the outbox through a read-only SQLite connection
 * (works beside a running agent in WAL mode; a stopped agent leaves the file in rollback mode, which a reader
 * opens without creating -wal/-shm), plus status.json. Creates nothing, writes nothing.
 */
export function readAgentStatus(input: AgentStatusInput, deps: AgentStatusDeps = {}): AgentStatusReport {
  const now = (deps.now ?? Date.now)();
  const pidAlive = deps.pidAlive ?? defaultPidAlive;
  const { dataDir } = input;
  if (!existsSync(dataDir)) {
    throw new ColdtrailError(
      ErrorCode.NotFound,
      `agent data directory ${dataDir} does not exist; check dataDir in the agent config (or start the agent once)`,
    );
  }
  const status = readStatusFile(dataDir);
  const path = join(dataDir, OUTBOX);
  const movedAside = corruptOutboxes(dataDir);
  const local = readLocalAlarmStatus(dataDir);
  const warnBytes = input.diskWarnBytes ?? Math.floor(input.diskBudgetBytes * DEFAULT_DISK_WARN_FRACTION);
  const report: AgentStatusReport = {
    dataDir,
    device: status?.device,
    agent: agentState(status, now, pidAlive),
    outbox: { state: 'absent', movedAside },
    backlog: { unbatched: 0, batchedNotAcked: 0, refused: 0, ackedKept: 0 },
    committedUpTo: 0,
    ackedUpTo: { seq: 0 },
    disk: { usedBytes: 0, fileBytes: 0, budgetBytes: input.diskBudgetBytes, warnBytes, percent: 0 },
    connection: status?.connection,
    sources: status?.sources ?? [],
    alarms: [...(status?.alarms ?? []), ...local.alarms],
    shipment: local.shipment,
    configRejected: local.configRejected,
    alarmMessagesPending: local.alarmMessagesPending,
  };
  if (!existsSync(path)) {
    if (movedAside.length > 0) report.outbox.state = 'corrupt';
    return report;
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // The agent creates its outbox's tables one by one as it starts: until the last is there, the outbox
    // is not there yet for a reader (it holds nothing), rather than an internal error.
    const tables = db
      .prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('chain', 'records', 'batches')",
      )
      .pluck()
      .get() as number;
    if (tables < OUTBOX_TABLES) return report;
    report.outbox.state = 'ok';
    readOutbox(db, path, report, status);
  } finally {
    db.close();
  }
  return report;
}

const OUTBOX_TABLES = 3;

function readOutbox(db: Database.Database, path: string, report: AgentStatusReport, status?: StatusFile) {
  const read = db.transaction(() => {
    const chain = db
      .prepare('SELECT device, head_seq, batched_up_to, stored_up_to FROM chain WHERE id = 1')
      .get() as { device: string; head_seq: number; batched_up_to: number; stored_up_to: number } | undefined;
    if (!chain) return;
    const maxSeq = (db.prepare('SELECT max(seq) FROM records').pluck().get() as number | null) ?? 0;
    const head = Math.max(maxSeq, chain.head_seq);
    const refused =
      (db.prepare("SELECT sum(to_seq - from_seq + 1) FROM batches WHERE state = 'refused'").pluck().get() as
        | number
        | null) ?? 0;
    const ackedKept = db
      .prepare('SELECT count(*) FROM records WHERE seq <= ?')
      .pluck()
      .get(chain.stored_up_to) as number;
    report.device = chain.device;
    report.committedUpTo = head;
    report.backlog = {
      unbatched: head - chain.batched_up_to,
      batchedNotAcked: chain.batched_up_to - chain.stored_up_to - refused,
      refused,
      ackedKept,
    };
    const ts = db.prepare('SELECT ts_ms FROM records WHERE seq = ?').pluck().get(chain.stored_up_to) as
      | number
      | undefined;
    report.ackedUpTo = { seq: chain.stored_up_to };
    if (ts !== undefined) report.ackedUpTo.recordTs = new Date(ts).toISOString();
    if (status?.lastAck && status.lastAck.seq === chain.stored_up_to) report.ackedUpTo.at = status.lastAck.at;
    const usage = outboxDiskUsage(db, path);
    report.disk.usedBytes = usage.liveBytes;
    report.disk.fileBytes = usage.fileBytes;
    report.disk.percent = Math.round((1000 * usage.liveBytes) / report.disk.budgetBytes) / 10;
  });
  read.deferred();
}

function agentState(
  status: StatusFile | undefined,
  now: number,
  pidAlive: (pid: number) => boolean,
): AgentStatusReport['agent'] {
  if (!status) return { state: 'never-started' };
  const updated = Date.parse(status.updatedAt);
  const ageMs = Number.isNaN(updated) ? Number.POSITIVE_INFINITY : Math.max(0, now - updated);
  const base = { pid: status.pid, updatedAt: status.updatedAt, ageMs };
  if (status.state === 'stopped' || !pidAlive(status.pid)) return { state: 'stopped', ...base };
  const staleMs = Math.max(60_000, STALE_CYCLES * status.cycleMs);
  return { state: ageMs > staleMs ? 'unresponsive' : 'running', ...base };
}

function defaultPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
