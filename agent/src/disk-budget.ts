import { FaultCode, type ReadingRecord, type Sample } from '@coldtrail/core';
import { AGENT_SENSOR } from './agent-sensor.js';
import type { Log } from './log.js';
import type { Outbox } from './outbox.js';

/** Default budget of the outbox: 1 GiB (about three days of 16 sensors at 1 Hz with nothing acknowledged). */
export const DEFAULT_DISK_BUDGET_BYTES = 1024 ** 3;
/** Below this the schema alone and a few cycles would fill it. */
export const MIN_DISK_BUDGET_BYTES = 64 * 1024;
/** The warning fires at this fraction of the budget unless `diskWarnBytes` says otherwise. */
export const DEFAULT_DISK_WARN_FRACTION = 0.8;
/** Acknowledged records deleted per step while making room. */
const PRUNE_STEP = 500;

/** Where the outbox stands against its budget. */
export const DiskState = { Ok: 'ok', Warn: 'warn', Full: 'full' } as const;
export type DiskState = (typeof DiskState)[keyof typeof DiskState];

export interface DiskBudgetOptions {
  outbox: Outbox;
  budgetBytes: number;
  /** Default DEFAULT_DISK_WARN_FRACTION of the budget. */
  warnBytes?: number;
  log: Log;
  /** Called when the state changes (status.json alarms). */
  onState?(state: DiskState, usedBytes: number): void;
}

/**
 * The outbox's disk budget (policy: agent/README.md "Disk budget"). Every cycle goes through `store`:
 * 1. at or above the warning level, acknowledged records are deleted first, oldest first, even inside the
 *    retention window, until the outbox is below the warning level again (or nothing acknowledged is left);
 * 2. still at or above the warning level: once per crossing, a `disk-budget` fault record, a log warning and
 *    a status alarm; the cycle is stored;
 * 3. at the budget: the cycle is NOT stored; the first cycle of each such stretch is replaced by one
 *    `disk-budget` fault record (so the gap is on the chain, with its start time), and an error is logged.
 *    Nothing already stored is ever deleted unless acknowledged end to end; publishing goes on, and as acks
 *    come in step 1 makes room and recording resumes with the next cycle.
 * The budget counts the database's pages in use (Outbox.diskUsage) and is honoured to within one cycle's
 * records and one fault record.
 */
export class DiskBudget {
  readonly budgetBytes: number;
  readonly warnBytes: number;
  readonly #o: DiskBudgetOptions;
  #state: DiskState = DiskState.Ok;
  #used = 0;
  /** Cycles not stored since start because the budget was reached. */
  #refusedCycles = 0;

  constructor(options: DiskBudgetOptions) {
    this.#o = options;
    this.budgetBytes = options.budgetBytes;
    this.warnBytes = Math.min(
      options.warnBytes ?? Math.floor(options.budgetBytes * DEFAULT_DISK_WARN_FRACTION),
      options.budgetBytes,
    );
  }

  get state(): DiskState {
    return this.#state;
  }
  get usedBytes(): number {
    return this.#used;
  }
  get refusedCycles(): number {
    return this.#refusedCycles;
  }

  /** Measures the outbox (making room if needed) and updates the state; returns the new state. */
  check(): DiskState {
    const { outbox, log } = this.#o;
    let used = outbox.diskUsage().liveBytes;
    if (used >= this.warnBytes) {
      let freed = 0;
      for (let n = 1; n > 0 && used >= this.warnBytes; used = outbox.diskUsage().liveBytes) {
        n = outbox.pruneOldestAcked(PRUNE_STEP);
        freed += n;
      }
      if (freed > 0) {
        log.info('disk budget: deleted acknowledged records early to make room', {
          records: freed,
          usedBytes: used,
          warnBytes: this.warnBytes,
        });
      }
    }
    this.#used = used;
    const state =
      used >= this.budgetBytes ? DiskState.Full : used >= this.warnBytes ? DiskState.Warn : DiskState.Ok;
    if (state !== this.#state) this.#transition(state);
    return state;
  }

  /** Stores one cycle under the budget; returns the records appended (a `disk-budget` fault included). */
  store(samples: readonly Sample[], ts: number): ReadingRecord[] {
    const before = this.#state;
    const state = this.check();
    const fault = (message: string): Sample => ({
      sensor: AGENT_SENSOR,
      kind: 'fault',
      fault: FaultCode.DiskBudget,
      message,
    });
    if (state === DiskState.Full) {
      this.#refusedCycles++;
      if (before === DiskState.Full) return [];
      return this.#o.outbox.append(
        [fault('outbox at its disk budget: sampling stops until acks make room')],
        ts,
      );
    }
    const warned = state === DiskState.Warn && before === DiskState.Ok;
    return this.#o.outbox.append(
      warned ? [...samples, fault('outbox above its disk warning level')] : samples,
      ts,
    );
  }

  #transition(state: DiskState): void {
    const { log } = this.#o;
    const fields = { usedBytes: this.#used, warnBytes: this.warnBytes, budgetBytes: this.budgetBytes };
    if (state === DiskState.Full) {
      log.error(
        'disk budget reached: new samples are not stored (one disk-budget fault marks the gap) until the ' +
          'broker acknowledges the backlog; check the connection, or raise diskBudgetBytes if the disk has room',
        fields,
      );
    } else if (state === DiskState.Warn) {
      log.warn(
        this.#state === DiskState.Full
          ? 'disk budget: room again, recording resumed; still above the warning level'
          : 'disk budget: outbox above its warning level; unsent data is piling up (is the broker reachable?)',
        fields,
      );
    } else {
      log.info('disk budget: outbox back below its warning level', fields);
    }
    this.#state = state;
    this.#o.onState?.(state, this.#used);
  }
}
