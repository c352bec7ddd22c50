import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, ColdtrailError, ErrorCode, parseConfig, systemClock } from '@coldtrail/core';
import { z } from 'zod';
import { durationSchema } from './duration-schema.js';
import type { SimDevice } from './sim-device.js';
import { queryPath } from './w1-bus.js';

const duration = (opts: { positive?: boolean } = {}) => {
  const message = `must be a ${opts.positive ? 'positive ' : ''}duration such as "10m", "45s" or "3ms"`;
  return durationSchema(message, opts.positive ? message : undefined);
};

const STATES = ['open', 'closed'] as const;
export type DoorState = (typeof STATES)[number];

/**
 * A simulated door contact on a sysfs-like GPIO tree, as a plain config object: `{ root, pin?, base?,
 * activeLow?, initial?, events: [{at, state}], repeat?, bounce?: {flips, within} }`. The door takes each
 * event's state at its time (from the start); with `repeat` the list starts over every `repeat`.
 */
export const GpioDoorSchema = z
  .strictObject({
    root: z.string().refine((r) => r.startsWith('/'), { error: 'must be an absolute directory' }),
    pin: z.number().int().min(0).max(1023).default(17),
    /** The chip base of Raspberry Pi kernels >= 6.6 (512 on a Pi 4): the file is gpio<pin + base>. */
    base: z.number().int().min(0).default(0),
    /** A low pin level means open (the agent reads it with active=low). */
    activeLow: z.boolean().default(false),
    initial: z.enum(STATES).default('closed'),
    events: z.array(z.strictObject({ at: duration(), state: z.enum(STATES) })).default([]),
    repeat: duration({ positive: true }).optional(),
    /** Each edge flips `flips` times back and forth within `within` before it settles (contact bounce). */
    bounce: z
      .strictObject({
        flips: z.number().int().min(0).max(50).default(2),
        within: duration().default(3),
      })
      .default({ flips: 2, within: 3 }),
  })
  .superRefine((c, ctx) => {
    if (c.repeat === undefined) return;
    for (const [i, e] of c.events.entries())
      if (e.at >= c.repeat)
        ctx.addIssue({ code: 'custom', path: ['events', i, 'at'], message: 'must be before repeat' });
  });
export type GpioDoorConfig = z.output<typeof GpioDoorSchema>;

export interface GpioDoorDeps {
  clock?: Clock;
  /** Epoch ms on the clock at which the events count from; default `clock.now()`. */
  start?: number;
  /** After each write of the value file (every bounce flip included): tests wait on it instead of sleeping. */
  onWrite?: (write: { at: number; level: 0 | 1; state: DoorState; settled: boolean }) => void;
}

export interface GpioDoorHandle extends SimDevice {
  readonly kind: 'gpio';
  /** The value file the door writes. */
  readonly valuePath: string;
}

/**
 * Runs a simulated door contact: writes `ROOT/gpio<N>/value` (`0`/`1`, atomically) with the door's state,
 * and at each change a burst of `flips` back-and-forth levels within `within` before the new level settles,
 * the way a reed switch bounces, so the agent's debounce has something to do. Close removes the gpio folder.
 */
export async function startGpioDoor(input: unknown, deps: GpioDoorDeps = {}): Promise<GpioDoorHandle> {
  const config = parseConfig(GpioDoorSchema, input, {
    service: 'gpio',
    env: false,
    heading: 'invalid simulated door contact:',
  });
  const clock = deps.clock ?? systemClock;
  const start = deps.start ?? clock.now();
  const gpio = config.pin + config.base;
  const dir = join(config.root, `gpio${gpio}`);
  const valuePath = join(dir, 'value');
  const events = [...config.events].sort((a, b) => a.at - b.at);
  const stop = new AbortController();
  const levelOf = (state: DoorState): 0 | 1 =>
    ((state === 'open' ? 1 : 0) ^ (config.activeLow ? 1 : 0)) as 0 | 1;

  /** The door's state at `t` ms from the start. */
  const stateAt = (t: number): DoorState => {
    const { repeat } = config;
    const phase = repeat === undefined ? t : t % repeat;
    const last = events.filter((e) => e.at <= phase).at(-1);
    if (last) return last.state;
    if (repeat !== undefined && t >= repeat) return events.at(-1)?.state ?? config.initial;
    return config.initial;
  };
  /** The next time (ms from the start) after `t` at which an event falls, if any. */
  const nextEventAfter = (t: number): number | undefined => {
    const { repeat } = config;
    if (repeat === undefined) return events.find((e) => e.at > t)?.at;
    const base = Math.floor(t / repeat) * repeat;
    const inCycle = events.find((e) => base + e.at > t);
    if (inCycle) return base + inCycle.at;
    const first = events[0];
    return first === undefined ? undefined : base + repeat + first.at;
  };
  const write = async (state: DoorState, level: 0 | 1, settled: boolean) => {
    await mkdir(dir, { recursive: true });
    await writeFile(`${valuePath}.tmp`, `${level}\n`);
    await rename(`${valuePath}.tmp`, valuePath);
    deps.onWrite?.({ at: clock.now(), level, state, settled });
  };

  let state = stateAt(clock.now() - start);
  try {
    await write(state, levelOf(state), true);
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `simulated door contact cannot write ${valuePath}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }

  const bounce = async (to: DoorState) => {
    const { flips, within } = config.bounce;
    const settledLevel = levelOf(to);
    const gap = flips === 0 ? 0 : within / (2 * flips);
    for (let i = 0; i < 2 * flips; i++) {
      await write(to, (i % 2 === 0 ? settledLevel : 1 - settledLevel) as 0 | 1, false);
      await clock.sleep(gap, stop.signal);
      if (stop.signal.aborted) return;
    }
    await write(to, settledLevel, true);
  };

  const loop = (async () => {
    while (!stop.signal.aborted) {
      const next = nextEventAfter(clock.now() - start);
      if (next === undefined) {
        await clock.sleep(2 ** 31 - 1, stop.signal); // nothing more to do: wait to be closed
        continue;
      }
      await clock.sleep(start + next - clock.now(), stop.signal);
      if (stop.signal.aborted) break;
      const to = stateAt(clock.now() - start);
      if (to === state) continue;
      state = to;
      await bounce(to).catch(() => undefined); // a failed write: the next event writes again
    }
  })();

  let closing: Promise<void> | undefined;
  return {
    kind: 'gpio',
    valuePath,
    address: `gpio://${config.pin}?root=${queryPath(config.root)}${config.base === 0 ? '' : `&base=${config.base}`}${config.activeLow ? '&active=low' : ''}`,
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
