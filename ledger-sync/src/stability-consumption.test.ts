import type { ReadingRecord } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { contentGtins, minutesInBand } from './stability-consumption.js';

// Golden cases written by hand: band [8, 25] °C, one sample a minute unless a case says otherwise.
const T0 = Date.parse('2025-03-01T08:00:00.000Z');
const BAND = { lowerC: 8, upperC: 25 };

/** Samples at the given minutes (value null = a fault record: no sample). */
function probe(sensor: string, samples: [minute: number, value: number | null][]): ReadingRecord[] {
  return samples.map(([m, value], i) => ({
    v: 1,
    device: 'truck-1',
    seq: i + 1,
    ts: new Date(T0 + m * 60_000).toISOString(),
    sensor,
    kind: value === null ? 'fault' : 'temperature',
    value,
    unit: value === null ? null : 'CEL',
    prev: '0'.repeat(64),
  })) as ReadingRecord[];
}
const run = (from: number, values: (number | null)[]) =>
  values.map((v, i) => [from + i, v] as [number, number | null]);

describe('minutesInBand', () => {
  it.each<[string, ReadingRecord[], number, number]>([
    ['all below the band: nothing', probe('t1', run(0, [5, 5, 5])), 60, 0],
    // Samples at 0..4: 5, 9, 10, 11, 5 -> minutes 1, 2, 3 inside, each covering [t, t+1).
    ['three samples inside cover three minutes', probe('t1', run(0, [5, 9, 10, 11, 5])), 60, 3],
    // 8 and 25 are on the limits: inside (both limits inclusive); 25.1 is beyond.
    ['limits are inclusive', probe('t1', run(0, [8, 25, 25.1, 7.9])), 60, 2],
    // The last sample inside covers its whole period.
    ['the last sample covers [t, t + dt)', probe('t1', run(0, [5, 9])), 60, 1],
    // Inside at 0, nothing 1..4, inside at 5: the gap [1, 5) counts; 0..6 = 6 minutes.
    [
      'a gap between two samples inside counts as inside',
      probe('t1', [
        [0, 9],
        [5, 10],
      ]),
      60,
      6,
    ],
    // Inside at 0, fault records at 1..3, inside at 4: the faults are no sample, the gap is bridged: 5 minutes.
    ['fault records inside a run are a bridged gap', probe('t1', run(0, [9, null, null, null, 9])), 60, 5],
    // Inside at 0, nothing until a sample below at 5: only [0, 1) counts.
    [
      'a gap that ends outside the band is not inside',
      probe('t1', [
        [0, 9],
        [5, 4],
      ]),
      60,
      1,
    ],
    // Inside at 0 then below at 0.5 min (30 s) with dt 60 s: the next sample cuts the cover to 0.5 min.
    [
      'a sooner sample cuts the cover short',
      probe('t1', [
        [0, 9],
        [0.5, 4],
      ]),
      60,
      0.5,
    ],
    // dt 5 min: samples at 0 and 5 inside, 10 below: [0, 10) = 10 minutes.
    [
      'the cover follows the sample period',
      probe('t1', [
        [0, 9],
        [5, 9],
        [10, 4],
      ]),
      300,
      10,
    ],
    // Two probes: t1 inside 0..2, t2 inside 1..3 -> union [0, 4) = 4 minutes, not 3 + 3.
    [
      'two probes: per instant the worst, the union of their times inside',
      [...probe('t1', run(0, [9, 9, 9, 5, 5])), ...probe('t2', run(0, [5, 9, 9, 9, 5]))],
      60,
      4,
    ],
    // Probes disagree at every instant: t1 inside at even, t2 inside at odd minutes -> all 6 minutes count.
    [
      'two probes that take turns cover every instant',
      [...probe('t1', run(0, [9, 5, 9, 5, 9, 5])), ...probe('t2', run(0, [5, 9, 5, 9, 5, 9]))],
      60,
      6,
    ],
    // Readings given out of order are sorted per probe.
    [
      'out-of-order readings',
      probe('t1', [
        [2, 9],
        [0, 9],
        [1, 9],
        [3, 4],
      ]),
      60,
      3,
    ],
  ])('%s', (_name, records, periodSeconds, expected) => {
    expect(minutesInBand(records, BAND, periodSeconds)).toBe(expected);
  });

  it('ignores humidity and door readings', () => {
    const r = probe('h1', run(0, [10, 10])).map((x) => ({ ...x, kind: 'humidity', unit: 'P1' }));
    expect(minutesInBand(r as ReadingRecord[], BAND, 60)).toBe(0);
  });
});

describe('contentGtins', () => {
  it('lists each GTIN once, sorted', () => {
    expect(contentGtins([{ gtin: '2' }, { gtin: '1' }, { gtin: '2' }])).toEqual(['1', '2']);
    expect(contentGtins(undefined)).toEqual([]);
  });
});
