import { type Clock, type Sample, silentLog } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { scriptedSource } from './fixtures/scripted-source.js';
import { runSampler } from './sampler.js';

const PERIOD = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

/** A clock whose sleep passes exactly the time asked for; `step` jumps it as an NTP correction would. */
function fakeClock() {
  let now = T0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  const step = (ms: number) => {
    now += ms;
  };
  return { clock, sleeps, step };
}

const reading: Sample = { sensor: 'p', kind: 'temperature', value: 4, unit: 'CEL' };

/** Runs the sampler for `cycles` cycles; `onCycle(i)` runs after cycle i was recorded. Returns the timestamps. */
async function sample(f: ReturnType<typeof fakeClock>, cycles: number, onCycle: (i: number) => void) {
  const stamps: number[] = [];
  const stop = new AbortController();
  await runSampler({
    clock: f.clock,
    periodMs: PERIOD,
    sources: [scriptedSource(() => [reading], { address: 'fake://probe' })],
    log: silentLog,
    signal: stop.signal,
    onSamples: (_samples, ts) => {
      stamps.push(ts);
      onCycle(stamps.length - 1);
      if (stamps.length === cycles) stop.abort();
    },
  });
  return stamps;
}

describe('runSampler', () => {
  it('keeps sampling every period after the clock steps back an hour', async () => {
    const f = fakeClock();
    const stamps = await sample(f, 4, (i) => {
      if (i === 1) f.step(-HOUR);
    });
    expect(f.sleeps.every((ms) => ms <= PERIOD)).toBe(true);
    // Cycle 2 comes within one period of the step (at T0 + PERIOD - 1 h), then the schedule continues from it.
    const stepped = T0 + PERIOD - HOUR;
    expect(stamps[2]! - stepped).toBeLessThanOrEqual(PERIOD);
    expect(stamps[3]! - stamps[2]!).toBe(PERIOD);
  });

  it('skips the missed slots after the clock steps forward an hour, without a burst', async () => {
    const f = fakeClock();
    const stamps = await sample(f, 4, (i) => {
      if (i === 1) f.step(HOUR + PERIOD / 2);
    });
    expect(stamps.slice(0, 2)).toEqual([T0, T0 + PERIOD]);
    // The next slot on the original grid after the step, then one period apart.
    expect(stamps[2]).toBe(T0 + 62 * PERIOD);
    expect(stamps[3]).toBe(T0 + 63 * PERIOD);
  });
});
