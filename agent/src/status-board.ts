import type { Clock, Sample } from '@coldtrail/core';
import type { DiskBudget } from './disk-budget.js';
import { errorMessage, type Log } from './log.js';
import type { OutOfRange } from './sampling-config.js';
import { type SourceStatus, type StatusAlarm, type StatusFile, writeStatusFile } from './status-file.js';

export interface StatusBoardOptions {
  dataDir: string;
  device: string;
  addresses: readonly string[];
  cycleMs: number;
  /** Reading time (source health, values). */
  clock: Clock;
  /** Wall time (start, updates, acks): how `agent status` judges whether the agent is alive. */
  wallNow: () => number;
  disk: DiskBudget;
  outOfRange: OutOfRange;
  log: Log;
}

/**
 * The running agent's view of itself, kept in memory and written to status.json (status-file.ts) after every
 * cycle and on each change of connection or alarms. Alarms are keyed, so other parts of the agent (local
 * profile alarms) can raise and clear their own with `setAlarm`.
 */
export class StatusBoard {
  readonly #o: StatusBoardOptions;
  readonly #startedAt: string;
  readonly #sources = new Map<string, SourceStatus>();
  readonly #alarms = new Map<string, StatusAlarm>();
  #connection: StatusFile['connection'];
  #lastAck: StatusFile['lastAck'];
  #failedWrite = false;

  constructor(options: StatusBoardOptions) {
    this.#o = options;
    this.#startedAt = new Date(options.wallNow()).toISOString();
    this.#connection = { state: 'disconnected', since: this.#startedAt };
    const since = new Date(options.clock.now()).toISOString();
    for (const address of options.addresses) {
      this.#sources.set(address, { address, health: 'unknown', since, consecutiveFaults: 0, last: [] });
    }
  }

  /** One source's read: health, consecutive faults, last values, its out-of-range alarm. */
  sourceRead(address: string, samples: readonly Sample[], ts: number): void {
    const at = new Date(ts).toISOString();
    const s = this.#sources.get(address) ?? {
      address,
      health: 'unknown',
      since: at,
      consecutiveFaults: 0,
      last: [],
    };
    this.#sources.set(address, s);
    const fault = samples.find((x) => x.kind === 'fault');
    const health = fault?.kind === 'fault' ? fault.fault : 'ok';
    if (health !== s.health) s.since = at;
    s.health = health;
    s.consecutiveFaults = fault ? s.consecutiveFaults + 1 : 0;
    const measured = samples.filter((x) => x.kind !== 'fault');
    for (const m of measured) {
      const entry = { sensor: m.sensor, kind: m.kind, value: m.value, unit: m.unit, ts: at };
      const i = s.last.findIndex((l) => l.sensor === m.sensor && l.kind === m.kind);
      if (i >= 0) s.last[i] = entry;
      else s.last.push(entry);
    }
    const out = this.#o.outOfRange(address, measured.length > 0 ? measured : []);
    if (measured.length > 0) {
      this.setAlarm(
        `out-of-range:${address}`,
        out
          ? { code: 'out-of-range', source: address, since: at, message: 'temperature outside alarmLimits' }
          : undefined,
        false,
      );
    }
  }

  /** Raises (or with undefined clears) alarm `key`; an alarm already raised keeps its `since`. */
  setAlarm(key: string, alarm: StatusAlarm | undefined, write = true): void {
    const had = this.#alarms.get(key);
    if (!alarm) {
      if (!had) return;
      this.#alarms.delete(key);
    } else {
      if (had && had.message === alarm.message) return;
      this.#alarms.set(key, had ? { ...alarm, since: had.since } : alarm);
    }
    if (write) this.write();
  }

  connection(state: 'connected' | 'disconnected', reason?: string): void {
    if (state === this.#connection.state) return;
    const since = new Date(this.#o.wallNow()).toISOString();
    this.#connection = reason ? { state, since, reason } : { state, since };
    this.write();
  }

  acked(seq: number): void {
    this.#lastAck = { seq, at: new Date(this.#o.wallNow()).toISOString() };
  }

  /** The disk budget's state as an alarm (called on its changes). */
  diskState(state: string): void {
    this.setAlarm(
      'disk-budget',
      state === 'ok'
        ? undefined
        : {
            code: 'disk-budget',
            since: new Date(this.#o.wallNow()).toISOString(),
            message:
              state === 'full'
                ? 'outbox at its disk budget: new samples are not stored'
                : 'outbox above its disk warning level',
          },
    );
  }

  snapshot(state: StatusFile['state'] = 'running'): StatusFile {
    const d = this.#o.disk;
    const snap: StatusFile = {
      v: 1,
      device: this.#o.device,
      pid: process.pid,
      state,
      startedAt: this.#startedAt,
      updatedAt: new Date(this.#o.wallNow()).toISOString(),
      cycleMs: this.#o.cycleMs,
      connection: this.#connection,
      sources: [...this.#sources.values()],
      alarms: [...this.#alarms.values()],
      disk: {
        state: d.state,
        usedBytes: d.usedBytes,
        budgetBytes: d.budgetBytes,
        warnBytes: d.warnBytes,
        refusedCycles: d.refusedCycles,
      },
    };
    if (this.#lastAck) snap.lastAck = this.#lastAck;
    return snap;
  }

  /** Writes status.json; a failure (disk full) is logged once and never stops the agent. */
  write(state: StatusFile['state'] = 'running'): void {
    try {
      writeStatusFile(this.#o.dataDir, this.snapshot(state));
      this.#failedWrite = false;
    } catch (err) {
      if (!this.#failedWrite) this.#o.log.warn('could not write status.json', { error: errorMessage(err) });
      this.#failedWrite = true;
    }
  }
}
