import type { BindingInterface, Timer, TimerClock } from '@coldtrail/core';
import { type Clock, ColdtrailError, createLifecycle, ErrorCode, systemClock } from '@coldtrail/core';
import { SerialPortStream } from '@serialport/stream';
import { createProbeSlave, type ProbeEvent, type ProbeSlave } from './probe-slave.js';
import { osSerialBinding } from './pty-pair.js';
import type { Scenario } from './scenario.js';
import type { SimDevice } from './sim-device.js';

/** One probe on the bus: its slave address and its own scenario. */
export interface BusProbeConfig {
  /** Modbus slave address 1..247, distinct on the bus. */
  unit: number;
  scenario: Scenario;
  /** Epoch ms, in the clock's time, at which this probe's scenario starts. Default: `clock.now()` at start. */
  startEpochMs?: number;
}

/** Plain data (what `coldtrail sim start` reads from a file): several probes sharing one serial line. */
export interface ProbeBusConfig {
  /** The device end of the serial line (e.g. `SerialPair.devicePath`). */
  path: string;
  /** The master's end, named in the devices' addresses (e.g. `SerialPair.hostPath`). Default: `path`. */
  hostPath?: string;
  /** Default 9600 (8N1), the usual factory setting of these probes. */
  baudRate?: number;
  /**
   * Write every byte the master sends back onto the line before any reply, as a two-wire RS-485 adapter
   * does that hears its own transmitter. The devices' addresses then carry `echo=true`. Default false.
   */
  echo?: boolean;
  probes: BusProbeConfig[];
}

export interface ProbeBusDeps {
  /** Simulated time for the scenarios; share one `scaledClock` with the agent. Default: the system clock. */
  clock?: Clock;
  /** Wall-clock timers for `late` replies (the line runs in real time). Default: the system clock. */
  timers?: Pick<TimerClock, 'setTimeout'>;
  /** Serial binding; default: node-serialport's native binding (for a PTY or a real port). */
  binding?: BindingInterface;
  onEvent?: (event: ProbeEvent, unit: number) => void;
}

export interface ProbeBusHandle {
  readonly path: string;
  readonly probes: readonly { unit: number; startEpochMs: number }[];
  /**
   * One per unit, addressed `modbus://<hostPath>?baud=B&unit=N` (`&echo=true` with echo); closing one
   * silences that unit, closing the last closes the port.
   */
  readonly devices: readonly SimDevice[];
  /** Idempotent. */
  close(): Promise<void>;
}

/** Config problems as `path: message`, all at once. */
function problemsOf(config: ProbeBusConfig): string[] {
  const problems: string[] = [];
  if (config.probes.length === 0) problems.push('probes: name at least one probe');
  const seen = new Set<number>();
  config.probes.forEach(({ unit }, i) => {
    if (!Number.isInteger(unit) || unit < 1 || unit > 247)
      problems.push(`probes[${i}].unit: must be an integer 1..247, got ${unit}`);
    else if (seen.has(unit)) problems.push(`probes[${i}].unit: unit ${unit} is already on this bus`);
    seen.add(unit);
  });
  const baud = config.baudRate ?? 9600;
  if (!Number.isInteger(baud) || baud < 1) problems.push(`baudRate: must be a positive integer, got ${baud}`);
  return problems;
}

/**
 * Runs several simulated probes on one serial line until closed, as on a real RS-485 bus: every probe hears
 * every request, only the addressed one answers (Serial Line V1.02 §2.2), the others stay silent.
 */
export async function startProbeBus(
  config: ProbeBusConfig,
  deps: ProbeBusDeps = {},
): Promise<ProbeBusHandle> {
  const problems = problemsOf(config);
  if (problems.length > 0) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `probe bus on ${config.path}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      { details: { problems } },
    );
  }
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemClock;
  const baudRate = config.baudRate ?? 9600;
  const echo = config.echo ?? false;
  const binding = deps.binding ?? (await osSerialBinding());
  const slaves = new Map<number, ProbeSlave>();
  const probes = config.probes.map((p) => {
    const startEpochMs = p.startEpochMs ?? clock.now();
    const onEvent = deps.onEvent && ((e: ProbeEvent) => deps.onEvent?.(e, p.unit));
    slaves.set(
      p.unit,
      createProbeSlave({ unit: p.unit, scenario: p.scenario, startEpochMs, clock, onEvent }),
    );
    return { unit: p.unit, startEpochMs };
  });

  const port = new SerialPortStream({ binding, path: config.path, baudRate, autoOpen: false });
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
  const late = new Set<Timer>();
  const send = (bytes: Uint8Array) => {
    if (port.isOpen) port.write(Buffer.from(bytes));
  };
  port.on('data', (chunk: Buffer) => {
    if (echo) send(chunk);
    for (const slave of slaves.values()) {
      for (const reply of slave.respond(chunk)) {
        if (reply.delayMs <= 0) {
          send(reply.bytes);
          continue;
        }
        const timer = timers.setTimeout(() => {
          late.delete(timer);
          send(reply.bytes);
        }, reply.delayMs);
        late.add(timer);
      }
    }
  });
  port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
    if (!err?.disconnected) return;
    for (const unit of slaves.keys())
      deps.onEvent?.({ type: 'disconnected', at: clock.now(), message: err.message }, unit);
  });

  const life = createLifecycle();
  life.defer(
    'serial port',
    () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  );
  life.defer('late replies', () => {
    for (const t of late) t.cancel();
    late.clear();
  });
  const close = () => life.close();
  const host = (config.hostPath ?? config.path).split('/').map(encodeURIComponent).join('/');
  const devices = probes.map(
    ({ unit }): SimDevice => ({
      kind: 'modbus',
      address: `modbus://${host}?baud=${baudRate}&unit=${unit}${echo ? '&echo=true' : ''}`,
      close: async () => {
        slaves.delete(unit);
        if (slaves.size === 0) await close();
      },
    }),
  );
  return { path: config.path, probes, devices, close };
}
