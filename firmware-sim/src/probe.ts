import type { BindingInterface } from '@coldtrail/core';
import { type Clock, ColdtrailError, createLifecycle, ErrorCode, systemClock } from '@coldtrail/core';
import { SerialPortStream } from '@serialport/stream';
import { createProbeSlave, type ProbeEvent } from './probe-slave.js';
import { osSerialBinding } from './pty-pair.js';
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
  onEvent?: (event: ProbeEvent) => void;
}

export interface ProbeHandle {
  readonly path: string;
  readonly unit: number;
  readonly startEpochMs: number;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Runs the simulated Modbus RTU probe on one end of a serial line until closed. */
export async function startProbe(config: ProbeConfig, deps: ProbeDeps = {}): Promise<ProbeHandle> {
  const unit = config.unit ?? 1;
  if (!Number.isInteger(unit) || unit < 1 || unit > 247) {
    throw new ColdtrailError(ErrorCode.InvalidConfig, `probe unit: must be an integer 1..247, got ${unit}`);
  }
  const clock = deps.clock ?? systemClock;
  const startEpochMs = config.startEpochMs ?? clock.now();
  const binding = deps.binding ?? (await osSerialBinding());
  const onEvent = deps.onEvent;
  const slave = createProbeSlave({ unit, scenario: config.scenario, startEpochMs, clock, onEvent });
  const port = new SerialPortStream({
    binding,
    path: config.path,
    baudRate: config.baudRate ?? 9600,
    autoOpen: false,
  });
  // A stream without an 'error' listener would crash the process on a failed write.
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err
        ? reject(
            new ColdtrailError(ErrorCode.Unavailable, `probe cannot open ${config.path}: ${err.message}`, {
              cause: err,
            }),
          )
        : resolve(),
    ),
  );
  port.on('data', (chunk: Buffer) => {
    for (const reply of slave.receive(chunk)) port.write(Buffer.from(reply));
  });
  port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
    if (err?.disconnected) onEvent?.({ type: 'disconnected', at: clock.now(), message: err.message });
  });

  const life = createLifecycle();
  life.defer(
    'serial port',
    () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  );
  return { path: config.path, unit, startEpochMs, close: () => life.close() };
}
