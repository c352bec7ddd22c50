import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, ColdtrailError, ErrorCode, parseConfig, systemClock } from '@coldtrail/core';
import { z } from 'zod';
import { durationSchema } from './duration-schema.js';
import type { SimDevice } from './sim-device.js';
import { celsiusToRaw, scratchpadFor, w1SlaveText } from './w1-scratchpad.js';

/** Faults a simulated DS18B20 shows in a time window. */
export const W1FaultKind = {
  /** A bit flipped on the wire: the kernel's CRC check says NO. */
  Crc: 'crc',
  /** No conversion ran: the register holds its 85 °C power-on value (t=85000). */
  PowerOn: 'power-on',
  /** The data line stuck low: nine zero bytes, which pass CRC-8. */
  Zero: 'zero',
  /** The probe left the bus: its directory disappears, and comes back after the window. */
  Vanish: 'vanish',
} as const;
export type W1FaultKind = (typeof W1FaultKind)[keyof typeof W1FaultKind];

const duration = (opts: { positive?: boolean } = {}) => {
  const message = `must be a ${opts.positive ? 'positive ' : ''}duration such as "10m", "1h30m" or "250ms"`;
  return durationSchema(message, opts.positive ? message : undefined);
};

/**
 * One simulated DS18B20 on a sysfs-like 1-Wire tree, as a plain config object (from `coldtrail sim start`'s
 * fleet file or a test): `{ root, id?, temperature?: {mean, swing, period}, update?, faults?: [{kind, at,
 * duration}] }`. Durations are strings such as "1s" or "10m" (duration.ts); times count from the start.
 */
export const W1ProbeSchema = z.strictObject({
  root: z.string().refine((r) => r.startsWith('/'), { error: 'must be an absolute directory' }),
  id: z
    .string()
    .regex(/^28-[0-9a-f]{12}$/, { error: 'must be a DS18B20 device name such as 28-0000075565c1' })
    .default('28-000000000001'),
  temperature: z
    .strictObject({
      mean: z.number().default(5),
      swing: z.number().min(0).default(1.5),
      period: duration({ positive: true }).default(3_600_000),
    })
    .default({ mean: 5, swing: 1.5, period: 3_600_000 }),
  /** How often the file is rewritten with a fresh conversion. */
  update: duration({ positive: true }).default(1000),
  faults: z
    .array(
      z.strictObject({
        kind: z.enum(Object.values(W1FaultKind)),
        at: duration(),
        duration: duration({ positive: true }),
      }),
    )
    .default([]),
});
export type W1ProbeConfig = z.output<typeof W1ProbeSchema>;

export interface W1ProbeDeps {
  /** Simulated time; default the system clock. */
  clock?: Clock;
  /** Epoch ms on the clock at which the wave and the fault windows start; default `clock.now()`. */
  start?: number;
  /** Each time the tree changed (tests wait for it instead of sleeping). */
  onWrite?: (state: W1ProbeState) => void;
}

export type W1ProbeState = { at: number; celsius: number; fault?: W1FaultKind };

export interface W1ProbeHandle extends SimDevice {
  readonly kind: 'w1';
  readonly id: string;
  readonly root: string;
}

/** `root` in a URL query, readable (slashes kept) and safe (`&`, `+`, `%`, spaces escaped). */
export const queryPath = (path: string) => encodeURIComponent(path).replace(/%2F/g, '/');

/**
 * Runs one simulated DS18B20: writes `ROOT/ID/w1_slave` now and every `update`, with the temperature of a sine
 * wave on the clock and the fault windows applied. Each write is atomic (a temporary file renamed over it), as
 * a reader of the kernel's file never sees half a text. Several probes may share a root: that is a bus.
 * Close removes the device's directory (a stopped simulation is a probe that left the bus).
 */
export async function startW1Probe(input: unknown, deps: W1ProbeDeps = {}): Promise<W1ProbeHandle> {
  const config = parseConfig(W1ProbeSchema, input, {
    service: 'w1',
    env: false,
    heading: 'invalid simulated 1-Wire probe:',
  });
  const clock = deps.clock ?? systemClock;
  const start = deps.start ?? clock.now();
  const dir = join(config.root, config.id);
  const stop = new AbortController();

  const stateAt = (at: number): W1ProbeState => {
    const t = at - start;
    const { mean, swing, period } = config.temperature;
    const celsius = mean + swing * Math.sin((2 * Math.PI * t) / period);
    const fault = config.faults.find((f) => t >= f.at && t < f.at + f.duration)?.kind;
    return fault === undefined ? { at, celsius } : { at, celsius, fault };
  };
  const write = async (state: W1ProbeState) => {
    if (state.fault === W1FaultKind.Vanish) {
      await rm(dir, { recursive: true, force: true });
    } else {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'w1_slave.tmp'), textFor(state));
      await rename(join(dir, 'w1_slave.tmp'), join(dir, 'w1_slave'));
    }
    deps.onWrite?.(state);
  };

  try {
    await mkdir(config.root, { recursive: true });
    await write(stateAt(clock.now()));
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `simulated 1-Wire probe cannot write ${dir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const loop = (async () => {
    while (!stop.signal.aborted) {
      await clock.sleep(config.update, stop.signal);
      if (stop.signal.aborted) break;
      // A failed write (disk full, root removed) leaves the old state; the next tick tries again.
      await write(stateAt(clock.now())).catch(() => undefined);
    }
  })();

  let closing: Promise<void> | undefined;
  return {
    kind: 'w1',
    id: config.id,
    root: config.root,
    address: `w1://${config.id}?root=${queryPath(config.root)}`,
    close: () => {
      closing ??= (async () => {
        stop.abort();
        await loop;
        await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

function textFor(state: W1ProbeState): string {
  switch (state.fault) {
    case undefined:
      return w1SlaveText(scratchpadFor(celsiusToRaw(state.celsius)));
    case W1FaultKind.Crc: {
      const bytes = scratchpadFor(celsiusToRaw(state.celsius));
      bytes[0] = (bytes[0] ?? 0) ^ 0x04; // flipped after the device computed its CRC
      return w1SlaveText(bytes);
    }
    case W1FaultKind.PowerOn:
      return w1SlaveText(scratchpadFor(0x0550));
    case W1FaultKind.Zero:
      return w1SlaveText([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    case W1FaultKind.Vanish:
      return '';
    default:
      return state.fault satisfies never;
  }
}
