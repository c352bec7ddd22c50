import type { Clock, ReadingRecord, Sample } from '@coldtrail/core';
import type { AgentEvents } from './agent-handle.js';
import type { ResolvedAgentConfig } from './config.js';
import { DiskBudget } from './disk-budget.js';
import type { Log } from './log.js';
import type { Outbox } from './outbox.js';
import type { ScheduledSource } from './sampler.js';
import { limitsOutOfRange, type OutOfRange, sourceSchedules } from './sampling-config.js';
import type { SensorSource } from './sensor-source.js';
import { StatusBoard } from './status-board.js';
import type { TypedEmitter } from './typed-emitter.js';

export interface Upkeep {
  /** The sources with their intervals (config `sources` entries matched by address; else samplePeriodMs). */
  scheduled: ScheduledSource[];
  outOfRange: OutOfRange;
  /** Stores one cycle through the disk budget, then rewrites status.json. Returns the records appended. */
  store(samples: readonly Sample[], ts: number): ReadingRecord[];
  onRead(address: string, samples: readonly Sample[], ts: number): void;
  board: StatusBoard;
  disk: DiskBudget;
  /** Writes the final status.json (`stopped`). */
  stopped(): void;
}

/**
 * What a running agent keeps up around its outbox: the disk budget every cycle passes (disk-budget.ts), and
 * status.json (status-board.ts), fed by the sampler's reads, the publisher's connection and acks.
 */
export function startUpkeep(
  cfg: ResolvedAgentConfig,
  parts: {
    outbox: Outbox;
    sources: readonly SensorSource[];
    clock: Clock;
    wallNow: () => number;
    events: TypedEmitter<AgentEvents>;
    connected: () => boolean;
    log: Log;
    outOfRange?: OutOfRange;
  },
): Upkeep {
  const { outbox, log, events } = parts;
  const schedules = new Map(sourceSchedules(cfg).map((s) => [s.address, s]));
  const scheduled = parts.sources.map((source): ScheduledSource => {
    const s = schedules.get(source.address);
    const out: ScheduledSource = { source, intervalMs: s?.intervalMs ?? cfg.samplePeriodMs };
    if (s?.fastIntervalMs !== undefined) out.fastIntervalMs = s.fastIntervalMs;
    return out;
  });
  const outOfRange = parts.outOfRange ?? limitsOutOfRange(cfg.alarmLimits);
  let board: StatusBoard | undefined;
  const disk = new DiskBudget({
    outbox,
    budgetBytes: cfg.diskBudgetBytes,
    ...(cfg.diskWarnBytes !== undefined ? { warnBytes: cfg.diskWarnBytes } : {}),
    log,
    onState: (state) => board?.diskState(state),
  });
  disk.check(); // the state at start, before the first cycle (makes room at once if it must)
  board = new StatusBoard({
    dataDir: cfg.dataDir,
    device: cfg.device,
    addresses: scheduled.map((s) => s.source.address),
    cycleMs: Math.min(...scheduled.map((s) => s.fastIntervalMs ?? s.intervalMs)),
    clock: parts.clock,
    wallNow: parts.wallNow,
    disk,
    outOfRange,
    log,
  });
  board.diskState(disk.state);
  const b = board;
  events.on('connected', () => b.connection('connected'));
  events.on('disconnected', (e) => b.connection('disconnected', e.reason));
  events.on('acked', (e) => b.acked(e.storedUpTo));
  if (parts.connected()) b.connection('connected');
  b.write();
  return {
    scheduled,
    outOfRange,
    board: b,
    disk,
    store(samples, ts) {
      const records = disk.store(samples, ts);
      b.write();
      return records;
    },
    onRead: (address, samples, ts) => b.sourceRead(address, samples, ts),
    stopped: () => b.write('stopped'),
  };
}
