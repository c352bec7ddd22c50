import type { BindingInterface } from '@coldtrail/core';
import { ColdtrailError, createLifecycle, ErrorCode, systemClock, type TimerClock } from '@coldtrail/core';
import { SerialPortStream } from '@serialport/stream';
import {
  type GpsCondition,
  type GpsReceiverConfigInput,
  gpsConditionAt,
  parseGpsReceiverConfig,
  positionAt,
} from './gps-scenario.js';
import { gpsSentences, withBadChecksum } from './gps-sentences.js';
import { osSerialBinding } from './pty-pair.js';
import type { SimDevice } from './sim-device.js';

export type GpsReceiverEvent =
  /** What the receiver wrote for the second `at` (epoch ms on its clock). */
  | { type: 'second'; at: number; condition: GpsCondition; lines: string[] }
  | { type: 'disconnected'; at: number; message: string };

export interface GpsReceiverDeps {
  /** Simulated time (share one `scaledClock` or `manualClock` with the agent); default the system clock. */
  clock?: TimerClock;
  /** Serial binding; default node-serialport's native binding (for a PTY or a real port). */
  binding?: BindingInterface;
  onEvent?: (event: GpsReceiverEvent) => void;
  /** Seed of the garbage bytes, so a run can be replayed. Default 1. */
  seed?: number;
}

export interface GpsReceiverHandle extends SimDevice {
  readonly kind: 'nmea';
  /** `nmea://<host path>?baud=<baud>`: the agent's source address for this receiver. */
  readonly address: string;
  readonly path: string;
  readonly startEpochMs: number;
}

/** Bytes of noise a garbage second sends: about what a 4800-baud receiver read at 9600 baud shows. */
const GARBAGE_BYTES = 64;

/**
 * A simulated GPS receiver: on every whole second of its clock it writes that second's RMC and GGA (CR LF
 * line endings) on the device end of a serial line, following the configured route, no-fix windows,
 * garbage bursts and bad checksums. Runs until closed; the config is validated first (INVALID_CONFIG).
 */
export async function startGpsReceiver(
  input: GpsReceiverConfigInput,
  deps: GpsReceiverDeps = {},
): Promise<GpsReceiverHandle> {
  const config = parseGpsReceiverConfig(input);
  const clock = deps.clock ?? systemClock;
  const startEpochMs = config.startEpochMs ?? clock.now();
  const binding = deps.binding ?? (await osSerialBinding());
  const onEvent = deps.onEvent;
  const random = prng(deps.seed ?? 1);
  const port = new SerialPortStream({
    binding,
    path: config.path,
    baudRate: config.baudRate,
    autoOpen: false,
  });
  // A stream without an 'error' listener would crash the process on a failed write.
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err
        ? reject(
            new ColdtrailError(
              ErrorCode.Unavailable,
              `GPS receiver cannot open ${config.path}: ${err.message}`,
              { cause: err },
            ),
          )
        : resolve(),
    ),
  );
  port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
    if (err?.disconnected) onEvent?.({ type: 'disconnected', at: clock.now(), message: err.message });
  });

  const emit = (at: number) => {
    const offset = at - startEpochMs;
    const condition = gpsConditionAt(config, offset);
    let lines: string[];
    if (condition === 'garbage') {
      lines = [garbage(random)];
    } else {
      const position = condition === 'no-fix' ? undefined : positionAt(config.route, config.speedKmh, offset);
      const sentences = gpsSentences({
        talker: config.talker,
        epochMs: at,
        position,
        satellites: config.satellites,
      });
      lines = (condition === 'bad-checksum' ? sentences.map(withBadChecksum) : sentences).map(
        (s) => `${s}\r\n`,
      );
    }
    if (port.isOpen) port.write(Buffer.from(lines.join(''), 'latin1'));
    onEvent?.({ type: 'second', at, condition, lines });
  };

  let timer = { cancel() {} };
  let stopped = false;
  /** Re-armed from the clock's now each second, so a slow event loop never drifts the seconds. */
  const arm = () => {
    if (stopped) return;
    const now = clock.now();
    const next = Math.floor(now / 1000) * 1000 + 1000;
    timer = clock.setTimeout(
      () => {
        if (stopped) return;
        emit(Math.floor(clock.now() / 1000) * 1000);
        arm();
      },
      next - now,
      { unref: true },
    );
  };
  arm();

  const life = createLifecycle();
  life.defer(
    'serial port',
    () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  );
  life.defer('second timer', () => {
    stopped = true;
    timer.cancel();
  });
  const address = `nmea://${config.hostPath}?baud=${config.baudRate}`;
  return {
    kind: 'nmea',
    address,
    path: config.path,
    startEpochMs,
    close: () => life.close(),
  };
}

/** Bytes that are no NMEA: never `$` or `!` (a sentence start) nor a line end, so no sentence can form. */
function garbage(random: () => number): string {
  let s = '';
  while (s.length < GARBAGE_BYTES) {
    const b = Math.floor(random() * 256);
    if (b !== 0x24 && b !== 0x21 && b !== 0x0a && b !== 0x0d) s += String.fromCharCode(b);
  }
  return s;
}

/** mulberry32: small and seeded, so a garbage burst can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
