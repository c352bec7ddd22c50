import { type Clock, type Sample, silentLog } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { scriptedSource } from './fixtures/scripted-source.js';
import { MISSED_SLOT_LIMIT } from './missed-slots.js';
import { runSampler, type SamplerOptions } from './sampler.js';
import { limitsOutOfRange } from './sampling-config.js';
import type { SensorSource } from './sensor-source.js';

const PERIOD = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

/** A clock whose sleep passes exactly the time asked for; `step` jumps it as an NTP correction or a stall. */
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
const probe = (script: (k: number) => Sample[] = () => [reading], address = 'fake://probe') =>
  scriptedSource(script, { address });

interface Call {
  ts: number;
  samples: Sample[];
}

/** Runs the sampler until `until(calls)` holds; `onCall(calls)` runs after each recorded call. */
async function sample(
  f: ReturnType<typeof fakeClock>,
  sources: SamplerOptions['sources'],
  until: (calls: Call[]) => boolean,
  over: Partial<SamplerOptions> = {},
  onCall: (calls: Call[]) => void = () => {},
): Promise<Call[]> {
  const calls: Call[] = [];
  const stop = new AbortController();
  await runSampler({
    clock: f.clock,
    periodMs: PERIOD,
    sources,
    log: silentLog,
    signal: stop.signal,
    onSamples: (samples, ts) => {
      calls.push({ ts, samples });
      onCall(calls);
      if (until(calls)) stop.abort();
    },
    ...over,
  });
  return calls;
}
const readings = (calls: Call[]) => calls.filter((c) => c.samples.some((s) => s.kind !== 'fault'));
const missed = (calls: Call[]) =>
  calls.filter((c) => c.samples.every((s) => s.kind === 'fault' && s.fault === 'missed-slot'));

describe('runSampler', () => {
  it('keeps sampling every period after the clock steps back an hour, recording no missed slot', async () => {
    const f = fakeClock();
    const calls = await sample(
      f,
      [probe()],
      (c) => c.length === 4,
      {},
      (c) => {
        if (c.length === 2) f.step(-HOUR);
      },
    );
    const stamps = calls.map((c) => c.ts);
    expect(f.sleeps.every((ms) => ms <= PERIOD)).toBe(true);
    // Cycle 2 comes within one period of the step (at T0 + PERIOD - 1 h), then the schedule continues from it.
    const stepped = T0 + PERIOD - HOUR;
    expect(stamps[2]! - stepped).toBeLessThanOrEqual(PERIOD);
    expect(stamps[3]! - stamps[2]!).toBe(PERIOD);
    expect(missed(calls)).toEqual([]);
  });

  it('records the slots missed when the clock steps forward an hour, then samples at once, without a burst', async () => {
    const f = fakeClock();
    const calls = await sample(
      f,
      [probe()],
      (c) => readings(c).length === 4,
      {},
      (c) => {
        if (c.length === 2) f.step(HOUR + PERIOD / 2);
      },
    );
    expect(readings(calls).map((c) => c.ts)).toEqual([T0, T0 + PERIOD, T0 + 61.5 * PERIOD, T0 + 62 * PERIOD]);
    // Slots 2..60 were missed (59 slots): 9 faults at their own slot, a 10th at slot 11 for the other 50.
    const faults = missed(calls);
    expect(faults).toHaveLength(MISSED_SLOT_LIMIT);
    expect(faults.map((c) => c.ts)).toEqual(Array.from({ length: 10 }, (_, k) => T0 + (2 + k) * PERIOD));
    expect(faults.every((c) => c.samples.length === 1 && c.samples[0]!.sensor === 'p')).toBe(true);
    expect((faults.at(-1)!.samples[0] as { message?: string }).message).toMatch(/^50 sampling slots missed/);
    // The faults precede the late reading, so timestamps stay in order along the chain.
    expect(calls.map((c) => c.ts)).toEqual([...calls.map((c) => c.ts)].sort((a, b) => a - b));
  });

  it('bounds a day-long suspend to a few records per sensor, naming each sensor of the source', async () => {
    const f = fakeClock();
    const twoSensors = probe(() => [reading, { sensor: 'q', kind: 'humidity', value: 50, unit: 'P1' }]);
    const calls = await sample(
      f,
      [twoSensors],
      (c) => readings(c).length === 3,
      { missedSlotLimit: 3 },
      (c) => {
        if (c.length === 1) f.step(24 * HOUR);
      },
    );
    const faults = missed(calls);
    expect(faults.map((c) => (c.ts - T0) / PERIOD)).toEqual([1, 2, 3]);
    expect(faults.flatMap((c) => c.samples.map((s) => s.sensor))).toEqual(['p', 'q', 'p', 'q', 'p', 'q']);
    expect((faults[2]!.samples[0] as { message?: string }).message).toMatch(/^1437 sampling slots missed/);
    expect(readings(calls)[1]!.ts).toBe(T0 + 24 * HOUR); // slot 1440 sampled right away
  });

  it('records a slot missed because a read overran its interval', async () => {
    const f = fakeClock();
    let k = 0;
    const slow: SensorSource = {
      address: 'fake://slow',
      read: async () => {
        if (k++ === 1) f.step(2.5 * PERIOD); // the read of slot 1 hangs for 2.5 periods
        return [reading];
      },
      close: async () => {},
    };
    const calls = await sample(f, [slow], (c) => readings(c).length === 4);
    // slot 1 read from T0+1P to T0+3.5P: slots 2 and 3 missed, slot 3 (started in it) is sampled at 3.5P
    expect(calls.map((c) => [(c.ts - T0) / PERIOD, c.samples[0]!.kind])).toEqual([
      [0, 'temperature'],
      [1, 'temperature'],
      [2, 'fault'],
      [3.5, 'temperature'],
      [4, 'temperature'],
    ]);
  });

  it('samples each source on its own interval and records sources due together in one call', async () => {
    const f = fakeClock();
    const a = probe(() => [{ ...reading, sensor: 'a' }], 'fake://a');
    const b = probe(() => [{ ...reading, sensor: 'b' }], 'fake://b');
    const calls = await sample(
      f,
      [
        { source: a, intervalMs: PERIOD },
        { source: b, intervalMs: 5 * PERIOD },
      ],
      (c) => c.at(-1)!.ts >= T0 + 10 * PERIOD,
    );
    expect(calls.map((c) => [(c.ts - T0) / PERIOD, c.samples.map((s) => s.sensor).join('')])).toEqual([
      [0, 'ab'],
      [1, 'a'],
      [2, 'a'],
      [3, 'a'],
      [4, 'a'],
      [5, 'ab'],
      [6, 'a'],
      [7, 'a'],
      [8, 'a'],
      [9, 'a'],
      [10, 'ab'],
    ]);
    expect(missed(calls)).toEqual([]);
  });

  it('samples at fastInterval while the last temperature is outside the limits, and back after', async () => {
    const f = fakeClock();
    // out of range (9 °C > 8 °C) at reads 1..3; a fault read in between keeps the last temperature's verdict
    const values = [5, 9, 9, 'fault', 9, 5, 5];
    const source = probe((k) => {
      const v = values[k] ?? 5;
      return v === 'fault'
        ? [{ sensor: 'p', kind: 'fault', fault: 'timeout' }]
        : [{ ...reading, value: v as number }];
    });
    const seen: string[] = [];
    const calls = await sample(
      f,
      [{ source, intervalMs: 10 * PERIOD, fastIntervalMs: PERIOD }],
      (c) => c.length === 8,
      {
        outOfRange: limitsOutOfRange({ lowerC: 2, upperC: 8 }),
        onRead: (address) => seen.push(address),
      },
    );
    expect(calls.map((c) => (c.ts - T0) / PERIOD)).toEqual([0, 10, 11, 12, 13, 14, 24, 34]);
    expect(missed(calls)).toEqual([]);
    expect(seen).toHaveLength(8);
  });

  it('keeps plain sources (no interval given) on periodMs', async () => {
    const f = fakeClock();
    const calls = await sample(f, [probe()], (c) => c.length === 3, { periodMs: 7_000 });
    expect(calls.map((c) => c.ts - T0)).toEqual([0, 7_000, 14_000]);
  });
});
