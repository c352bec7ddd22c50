import type { BindingInterface, TimerClock } from '@coldtrail/core';
import { type Clock, ColdtrailError, ErrorCode } from '@coldtrail/core';
import { startProbeBus } from './probe-bus.js';
import type { ProbeEvent } from './probe-slave.js';
import type { Scenario } from './scenario.js';

export interface ProbeConfig {
  /** The device end of the serial line (e.g. `SerialPair.devicePath`). */
  path: string;
  /** Default 9600 (8N1), the usual factory setting of these probes. */
  baudRate?: number;
  /** Modbus slave address 1..247; default 1. */
  unit?: number;
  scenario: Scenario;
  /** Epoch ms, in the clock's time, at which the scenario starts. Default: `clock.now()` at start. */
  startEpochMs?: number;
}

export interface ProbeDeps {
  /** Simulated time; share one `scaledClock` with the agent so both agree. Default: the system clock. */
  clock?: Clock;
  /** Serial binding; default: node-serialport's native binding (for a PTY or a real port). */
  binding?: BindingInterface;
  /** Wall-clock timers for `late` replies (the line runs in real time). Default: the system clock. */
  timers?: Pick<TimerClock, 'setTimeout'>;
  onEvent?: (event: ProbeEvent) => void;
}

export interface ProbeHandle {
  readonly path: string;
  readonly unit: number;
  readonly startEpochMs: number;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Runs the simulated Modbus RTU probe on one end of a serial line until closed: a bus of one probe. */
export async function startProbe(config: ProbeConfig, deps: ProbeDeps = {}): Promise<ProbeHandle> {
  const unit = config.unit ?? 1;
  if (!Number.isInteger(unit) || unit < 1 || unit > 247) {
    throw new ColdtrailError(ErrorCode.InvalidConfig, `probe unit: must be an integer 1..247, got ${unit}`);
  }
  const { onEvent, ...rest } = deps;
  const bus = await startProbeBus(
    {
      path: config.path,
      ...(config.baudRate === undefined ? {} : { baudRate: config.baudRate }),
      probes: [
        {
          unit,
          scenario: config.scenario,
          ...(config.startEpochMs === undefined ? {} : { startEpochMs: config.startEpochMs }),
        },
      ],
    },
    { ...rest, ...(onEvent ? { onEvent: (e: ProbeEvent) => onEvent(e) } : {}) },
  );
  return { path: config.path, unit, startEpochMs: bus.probes[0]!.startEpochMs, close: () => bus.close() };
}
