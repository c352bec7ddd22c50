import { describe, expect, it } from 'vitest';
import {
  type AlarmExcursion,
  evaluateProfile,
  evaluateZone,
  excursionKey,
  type Sample,
} from './alarm-rules.js';
import { isColdtrailError } from './errors.js';
import type { AlarmRule, ColdChainProfile, ProfileZone } from './profile.js';

/**
 * Golden vectors for the alarm semantics (issue 9 "Must hold"). Every case is data: samples as [minute, value]
 * from T0, one zone, and the expected excursions in minutes, worked out by hand in the comments (a sample at
 * minute m covers [m, m + dt)). Nothing expected is computed by the code under test.
 */
const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const MIN = 60_000;

type Row = [minute: number, value: number];
/** Per-minute samples at one value for minutes from..to inclusive. */
const steady = (from: number, to: number, value: number): Row[] =>
  Array.from({ length: to - from + 1 }, (_, i): Row => [from + i, value]);

interface Expect {
  rule: AlarmRule['kind'];
  start: number;
  end: number;
  trig: number;
  dur: number;
  max: number;
  n: number;
  gap?: number;
}

interface Case {
  name: string;
  zone: Omit<ProfileZone, 'id' | 'measure'> & Partial<Pick<ProfileZone, 'id' | 'measure'>>;
  /** Sample period in minutes; default 1. */
  dt?: number;
  samples: Row[];
  expected: Expect[];
}

const HIGH_8 = { direction: 'above', limit: 8, inclusive: false } as const;
const instant: AlarmRule = { kind: 'instant' };
const single = (delayMinutes: number): AlarmRule => ({ kind: 'single-event', delayMinutes });
const cumulative = (budgetMinutes: number): AlarmRule => ({ kind: 'cumulative', budgetMinutes });

// biome-ignore format: a golden table: each case keeps its samples on one line, readable as data
const CASES: Case[] = [
  {
    // 8 at minute 1 equals the strict limit: within. Runs: [2,3] -> [2, 4); [5] -> [5, 6).
    name: 'instant, strict: one excursion per run; a value equal to the limit is within',
    zone: { ...HIGH_8, alarms: [instant] },
    samples: [[0, 5], [1, 8], [2, 8.1], [3, 9], [4, 7], [5, 8.5], [6, 6]],
    expected: [
      { rule: 'instant', start: 2, end: 4, trig: 2, dur: 2, max: 9, n: 2 },
      { rule: 'instant', start: 5, end: 6, trig: 5, dur: 1, max: 8.5, n: 1 },
    ],
  },
  {
    // Same samples, atOrAbove 8: minute 1 (8.0) is beyond, so the first run is [1,3] -> [1, 4).
    name: 'instant, inclusive: a value equal to the limit is beyond',
    zone: { direction: 'above', limit: 8, inclusive: true, alarms: [instant] },
    samples: [[0, 5], [1, 8], [2, 8.1], [3, 9], [4, 7], [5, 8.5], [6, 6]],
    expected: [
      { rule: 'instant', start: 1, end: 4, trig: 1, dur: 3, max: 9, n: 3 },
      { rule: 'instant', start: 5, end: 6, trig: 5, dur: 1, max: 8.5, n: 1 },
    ],
  },
  {
    // Minutes 0..29 at 9 -> [0, 30): 30 min == delay counts; triggered at 0 + 30.
    name: 'single-event: time beyond exactly the delay is an excursion',
    zone: { ...HIGH_8, alarms: [single(30)] },
    samples: [...steady(0, 29, 9), [30, 7]],
    expected: [{ rule: 'single-event', start: 0, end: 30, trig: 30, dur: 30, max: 9, n: 30 }],
  },
  {
    // Minutes 0..28 -> [0, 29): 29 min < 30: a spike, no alarm.
    name: 'single-event: one minute short of the delay is none',
    zone: { ...HIGH_8, alarms: [single(30)] },
    samples: [...steady(0, 28, 9), [29, 7]],
    expected: [],
  },
  {
    // Below 2 strict: 2.0 is within, 1.9 beyond; minutes 1..10 -> [1, 11) = 10 min; extreme is the minimum.
    name: 'single-event below, strict: the most extreme value is the lowest',
    zone: { direction: 'below', limit: 2, inclusive: false, alarms: [single(10)] },
    samples: [[0, 2], ...steady(1, 5, 1.9), [6, 0.4], ...steady(7, 10, 1.5), [11, 2]],
    expected: [{ rule: 'single-event', start: 1, end: 11, trig: 11, dur: 10, max: 0.4, n: 10 }],
  },
  {
    // Runs [0..5] -> [0, 6) and [7..12] -> [7, 13): each 6 min >= 5; the within sample at 6 ends the first.
    name: 're-trigger: a return within limits, then a new run, is a new excursion',
    zone: { ...HIGH_8, alarms: [single(5)] },
    samples: [...steady(0, 5, 10), [6, 5], ...steady(7, 12, 11), [13, 5]],
    expected: [
      { rule: 'single-event', start: 0, end: 6, trig: 5, dur: 6, max: 10, n: 6 },
      { rule: 'single-event', start: 7, end: 13, trig: 12, dur: 6, max: 11, n: 6 },
    ],
  },
  {
    // Beyond at 0,1,2, nothing 3..7, beyond at 8,9: the gap [3, 8) counts as beyond. Run [0, 10) = 10 min
    // == delay; 5 samples; gap 8 - (2 + 1) = 5 min.
    name: 'gap between samples beyond counts as beyond and is reported',
    zone: { ...HIGH_8, alarms: [single(10)] },
    samples: [[0, 9], [1, 9], [2, 9.5], [8, 9], [9, 9], [10, 4]],
    expected: [{ rule: 'single-event', start: 0, end: 10, trig: 10, dur: 10, max: 9.5, n: 5, gap: 5 }],
  },
  {
    // A probe fault at minute 5 (dropped by the caller) inside minutes 0..9 beyond: run [0, 10), 9 samples,
    // gap 1 min; the fault does not split the 10 min into two 5-min spikes under a 10-min delay.
    name: 'a fault inside an excursion does not split it',
    zone: { ...HIGH_8, alarms: [single(10)] },
    samples: [...steady(0, 4, 12), ...steady(6, 9, 12), [10, 6]],
    expected: [{ rule: 'single-event', start: 0, end: 10, trig: 10, dur: 10, max: 12, n: 9, gap: 1 }],
  },
  {
    // Beyond 0..2, nothing 3..6, within at 7: the gap ends in a value within limits, so it is not bridged.
    // Run [0, 3) = 3 min: instant yes, single-event 5 no.
    name: 'a gap that ends within limits is not counted as beyond',
    zone: { ...HIGH_8, alarms: [instant, single(5)] },
    samples: [[0, 9], [1, 9], [2, 9], [7, 5]],
    expected: [{ rule: 'instant', start: 0, end: 3, trig: 0, dur: 3, max: 9, n: 3 }],
  },
  {
    // Minutes 0..44 beyond and the series stops: run [0, 45), triggered at 30; still open, still reported.
    name: 'a series ending inside an excursion reports it',
    zone: { ...HIGH_8, alarms: [single(30)] },
    samples: [[-1, 6], ...steady(0, 44, 8.5)],
    expected: [{ rule: 'single-event', start: 0, end: 45, trig: 30, dur: 45, max: 8.5, n: 45 }],
  },
  {
    // Runs of 25 ([0, 25)), 25 ([30, 55)) and 20 ([60, 80)) min. Totals 25, 50, then 60 is reached 10 min into
    // the third run: triggered at 70. One excursion: start 0, end 80, total 70 min, 70 samples.
    name: 'cumulative: repeated short runs add up, never reset, one excursion',
    zone: { ...HIGH_8, alarms: [cumulative(60), single(30)] },
    samples: [
      ...steady(0, 24, 9),
      ...steady(25, 29, 6),
      ...steady(30, 54, 10),
      ...steady(55, 59, 6),
      ...steady(60, 79, 9),
      [80, 6],
    ],
    expected: [{ rule: 'cumulative', start: 0, end: 80, trig: 70, dur: 70, max: 10, n: 70 }],
  },
  {
    // Runs [0, 30) and [40, 70): 30 + 30 = 60 == budget, reached at the second run's end, 70.
    name: 'cumulative: a total of exactly the budget triggers',
    zone: { ...HIGH_8, alarms: [cumulative(60)] },
    samples: [...steady(0, 29, 9), ...steady(30, 39, 5), ...steady(40, 69, 9), [70, 5]],
    expected: [{ rule: 'cumulative', start: 0, end: 70, trig: 70, dur: 60, max: 9, n: 60 }],
  },
  {
    // Runs [0, 30) and [40, 69): 59 < 60.
    name: 'cumulative: one minute under the budget is none',
    zone: { ...HIGH_8, alarms: [cumulative(60)] },
    samples: [...steady(0, 29, 9), ...steady(30, 39, 5), ...steady(40, 68, 9), [69, 5]],
    expected: [],
  },
  {
    // Beyond 0..9, nothing 10..19, beyond 20..29: one run [0, 30) with a 10-min gap; budget 30 reached at 30.
    name: 'cumulative: a bridged gap counts toward the budget and shows in gapMs',
    zone: { ...HIGH_8, alarms: [cumulative(30)] },
    samples: [...steady(0, 9, 9), ...steady(20, 29, 9), [30, 3]],
    expected: [{ rule: 'cumulative', start: 0, end: 30, trig: 30, dur: 30, max: 9, n: 20, gap: 10 }],
  },
  {
    // Samples faster than dt (1 min): beyond at 0 -> [0, 1), within at 0.5, beyond at 0.75 -> [0.75, 1.75).
    // The overlap [0.75, 1) counts once: total 1 + 0.75 = 1.75 min; budget 1.5 is reached 0.5 min after the
    // first run's coverage ends, at 1.5.
    name: 'cumulative: runs whose coverage overlaps count the overlap once',
    zone: { ...HIGH_8, alarms: [cumulative(1.5)] },
    samples: [[0, 9], [0.5, 5], [0.75, 9.5], [2, 5]],
    expected: [{ rule: 'cumulative', start: 0, end: 1.75, trig: 1.5, dur: 1.75, max: 9.5, n: 2 }],
  },
  {
    // All three kinds over one run [0, 40): instant at 0, single-event 30 at 30, cumulative 35 at 35; sorted
    // instant, single-event, cumulative at the same start.
    name: 'every kind in one zone, same start: instant, single-event, cumulative',
    zone: { ...HIGH_8, alarms: [cumulative(35), single(30), instant] },
    samples: [...steady(0, 39, 9), [40, 5]],
    expected: [
      { rule: 'instant', start: 0, end: 40, trig: 0, dur: 40, max: 9, n: 40 },
      { rule: 'single-event', start: 0, end: 40, trig: 30, dur: 40, max: 9, n: 40 },
      { rule: 'cumulative', start: 0, end: 40, trig: 35, dur: 40, max: 9, n: 40 },
    ],
  },
  {
    // dt = 5 min: samples at 0, 5, 10 beyond cover [0, 15) = 15 min with no gap; delay 15 met at 15.
    name: 'a longer sample period covers its whole period',
    zone: { ...HIGH_8, alarms: [single(15)] },
    dt: 5,
    samples: [[0, 9], [5, 9], [10, 9.2], [15, 7]],
    expected: [{ rule: 'single-event', start: 0, end: 15, trig: 15, dur: 15, max: 9.2, n: 3 }],
  },
  {
    // Door closed (0) at 0, open (1) 1..5 -> [1, 6) = 5 min == delay: triggered at 6.
    name: 'door open for exactly the delay',
    zone: {
      id: 'door-open',
      measure: 'door',
      direction: 'above',
      limit: 1,
      inclusive: true,
      alarms: [single(5)],
    },
    samples: [[0, 0], ...steady(1, 5, 1), [6, 0], ...steady(7, 10, 1), [11, 0]],
    expected: [{ rule: 'single-event', start: 1, end: 6, trig: 6, dur: 5, max: 1, n: 5 }],
  },
  {
    // Humidity above 75 %RH: 75 itself within; 76..80 for minutes 10..69 -> [10, 70) = 60 min == delay.
    name: 'humidity above 75 %RH for 60 min',
    zone: {
      id: 'humidity-high',
      measure: 'humidity',
      direction: 'above',
      limit: 75,
      inclusive: false,
      alarms: [single(60)],
    },
    samples: [...steady(0, 9, 75), ...steady(10, 39, 76), ...steady(40, 69, 80), [70, 60]],
    expected: [{ rule: 'single-event', start: 10, end: 70, trig: 70, dur: 60, max: 80, n: 60 }],
  },
  {
    // WHO PQS E006 low alarm, <= -0.5 °C for 60 min: -0.5 exactly is beyond (inclusive); minutes 0..59 ->
    // [0, 60) = 60 min, triggered at 60.
    name: 'WHO PQS E006 low: at -0.5 °C for 60 min alarms',
    zone: { id: 'low', direction: 'below', limit: -0.5, inclusive: true, alarms: [single(60)] },
    samples: [...steady(0, 59, -0.5), [60, 3]],
    expected: [{ rule: 'single-event', start: 0, end: 60, trig: 60, dur: 60, max: -0.5, n: 60 }],
  },
  {
    // -0.4 °C for two hours is above -0.5: never beyond.
    name: 'WHO PQS E006 low: -0.4 °C for 2 h does not alarm',
    zone: { id: 'low', direction: 'below', limit: -0.5, inclusive: true, alarms: [single(60)] },
    samples: steady(0, 119, -0.4),
    expected: [],
  },
  {
    // >= +8 °C for 10 h continuous: minutes 0..599 at 8.0 -> [0, 600), triggered at 600.
    name: 'WHO PQS E006 high: at +8 °C for 10 h continuous alarms',
    zone: { id: 'high', direction: 'above', limit: 8, inclusive: true, alarms: [single(600)] },
    samples: [...steady(0, 599, 8), [600, 5]],
    expected: [{ rule: 'single-event', start: 0, end: 600, trig: 600, dur: 600, max: 8, n: 600 }],
  },
  {
    // Two 5-h runs [0, 300) and [301, 601) split by one sample within: 10 h in total but never continuous.
    name: 'WHO PQS E006 high: 2 x 5 h split by a return is not continuous',
    zone: { id: 'high', direction: 'above', limit: 8, inclusive: true, alarms: [single(600)] },
    samples: [...steady(0, 299, 9), [300, 7.9], ...steady(301, 600, 9), [601, 5]],
    expected: [],
  },
];

function toExcursion(c: Case, e: Expect): AlarmExcursion {
  const zone = c.zone;
  return {
    sensor: 'probe-1',
    measure: zone.measure ?? 'temperature',
    zone: zone.id ?? 'z',
    rule: e.rule,
    direction: zone.direction,
    limit: zone.limit,
    inclusive: zone.inclusive,
    start: T0 + e.start * MIN,
    end: T0 + e.end * MIN,
    triggeredAt: T0 + e.trig * MIN,
    durationMs: e.dur * MIN,
    maxValue: e.max,
    samples: e.n,
    gapMs: (e.gap ?? 0) * MIN,
  };
}

const toSamples = (rows: readonly Row[]): Sample[] => rows.map(([m, value]) => ({ t: T0 + m * MIN, value }));

describe('alarm rules: golden vectors', () => {
  it.each(CASES)('$name', (c) => {
    const zone: ProfileZone = { id: 'z', measure: 'temperature', ...c.zone };
    const got = evaluateZone('probe-1', zone, toSamples(c.samples), (c.dt ?? 1) * MIN);
    expect(got).toEqual(c.expected.map((e) => toExcursion(c, e)));
  });
});

describe('evaluateProfile', () => {
  const profile: ColdChainProfile = {
    uri: 'https://coldtrail.dev/profiles/test/v1',
    id: 'test',
    version: 1,
    title: 'test',
    samplePeriodSeconds: 60,
    zones: [
      { id: 'high', measure: 'temperature', ...HIGH_8, alarms: [single(5)] },
      {
        id: 'humidity-high',
        measure: 'humidity',
        direction: 'above',
        limit: 75,
        inclusive: false,
        alarms: [instant],
      },
    ],
  };

  it('gives two sensors excursions starting at the same instant distinct keys', () => {
    // Both probes above 8 for minutes 0..9 -> [0, 10) each, triggered at 5.
    const samples = toSamples([...steady(0, 9, 9), [10, 5]]);
    const got = evaluateProfile(profile, [
      { sensor: 'probe-2', measure: 'temperature', samples },
      { sensor: 'probe-1', measure: 'temperature', samples },
    ]);
    expect(got.map(excursionKey)).toEqual([
      `probe-1:high:single-event:${T0}`,
      `probe-2:high:single-event:${T0}`,
    ]);
    expect(got.map((e) => e.triggeredAt)).toEqual([T0 + 5 * MIN, T0 + 5 * MIN]);
  });

  it('applies each zone to its own measure only and sorts by start, sensor, zone', () => {
    // Humidity 80 at minute 3 -> instant [3, 4); temperature 9 at minutes 1..6 -> [1, 7) >= 5: single-event.
    const got = evaluateProfile(profile, [
      {
        sensor: 'p',
        measure: 'humidity',
        samples: toSamples([
          [0, 50],
          [3, 80],
          [4, 50],
        ]),
      },
      { sensor: 'p', measure: 'temperature', samples: toSamples([[0, 5], ...steady(1, 6, 9), [7, 5]]) },
      { sensor: 'q', measure: 'door', samples: toSamples([[0, 1]]) },
    ]);
    expect(got.map((e) => [e.zone, e.rule, e.start - T0])).toEqual([
      ['high', 'single-event', 1 * MIN],
      ['humidity-high', 'instant', 3 * MIN],
    ]);
  });

  it('refuses two series of the same sensor and measure', () => {
    const s = { sensor: 'p', measure: 'temperature', samples: [] } as const;
    expect(() => evaluateProfile(profile, [s, s])).toThrow(/two temperature series/);
  });
});

describe('evaluateZone input', () => {
  const zone: ProfileZone = { id: 'high', measure: 'temperature', ...HIGH_8, alarms: [instant] };
  it.each([
    [
      'out of order',
      [
        { t: 2, value: 1 },
        { t: 1, value: 1 },
      ],
    ],
    [
      'a repeated t',
      [
        { t: 1, value: 1 },
        { t: 1, value: 2 },
      ],
    ],
    ['a NaN value', [{ t: 1, value: Number.NaN }]],
  ])('refuses samples %s', (_, samples) => {
    let err: unknown;
    try {
      evaluateZone('p', zone, samples, MIN);
    } catch (e) {
      err = e;
    }
    expect(isColdtrailError(err, 'INVALID_INPUT')).toBe(true);
  });

  it('refuses a sample period that is not positive', () => {
    expect(() => evaluateZone('p', zone, [], 0)).toThrow(/sample period/);
  });
});

describe('excursionKey', () => {
  it('keeps a sensor id with colons apart from another sensor and zone', () => {
    const a = excursionKey({ sensor: 'a:high', zone: 'low', rule: 'instant', start: 1 });
    const b = excursionKey({ sensor: 'a', zone: 'high', rule: 'instant', start: 1 });
    expect(a).toBe('a:high:low:instant:1');
    expect(b).toBe('a:high:instant:1');
  });
});
