import type { Sample } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { detectShipmentExcursions, excursionId, toExcursionInputs } from './excursion-engine.js';
import { recordStream, T0 } from './fixtures.test-kit.js';
import type { ShipmentProfile } from './ledger-types.js';

const PROFILE: ShipmentProfile = {
  id: 'vaccine-2-8',
  lowerC: 2,
  upperC: 8,
  delayMinutes: 30,
  samplePeriodSeconds: 60,
};
const MIN = 60_000;
const iso = (minute: number) => new Date(T0 + minute * MIN).toISOString();

/** One temperature sample per minute (seq n at minute n-1), built by `tempAt(minute)`; null = a fault. */
function lane(
  minutes: number,
  tempAt: (minute: number) => number | null,
  extra?: (minute: number) => Sample[],
) {
  const samples: Sample[][] = [];
  for (let m = 0; m < minutes; m++) {
    const t = tempAt(m);
    samples.push([
      t === null
        ? { sensor: 'probe-1', kind: 'fault', fault: 'crc' }
        : { sensor: 'probe-1', kind: 'temperature', value: t, unit: 'CEL' },
      ...(extra?.(m) ?? []),
    ]);
  }
  // Flatten, keeping each minute's samples at that minute: records get seq order, ts = minute.
  const flat = samples.flatMap((ss, m) => ss.map((s) => ({ s, m })));
  const s = recordStream('dev-1', (seq) => flat[seq - 1]!.s);
  return s.next(flat.length).map((r, i) => ({ ...r, ts: iso(flat[i]!.m) }));
}

describe('excursion engine (single-event rule, DESIGN §4)', () => {
  it('raises nothing for a spike shorter than the delay', () => {
    const records = lane(240, (m) => (m >= 100 && m < 110 ? 9.5 : 5));
    expect(detectShipmentExcursions(records, PROFILE)).toEqual([]);
  });

  it('reports an excursion above from its first sample to the end of its last sample’s coverage', () => {
    const records = lane(300, (m) => (m >= 100 && m < 160 ? 8.5 + (m === 130 ? 2 : 0) : 5));
    const [e, ...rest] = detectShipmentExcursions(records, PROFILE);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ direction: 'above', limit: 8, start: T0 + 100 * MIN, end: T0 + 160 * MIN });
    expect(e).toMatchObject({ durationMs: 60 * MIN, maxValue: 10.5, samples: 60 });
  });

  it('reports excursions below the lower limit with their minimum, and counts exactly the delay', () => {
    const records = lane(200, (m) => (m >= 50 && m < 80 ? 1.5 - (m === 60 ? 1 : 0) : m === 150 ? 8 : 5));
    const found = detectShipmentExcursions(records, PROFILE);
    expect(found).toHaveLength(1); // 8.0 itself is not beyond the limit
    expect(found[0]).toMatchObject({ direction: 'below', limit: 2, start: T0 + 50 * MIN, maxValue: 0.5 });
    expect(found[0]!.durationMs).toBe(30 * MIN);
  });

  it('takes temperature samples only: a fault inside a run is bridged, not a reset; humidity is ignored', () => {
    const humid = (m: number): Sample[] => [
      { sensor: 'probe-1', kind: 'humidity', value: m > 0 ? 99 : 50, unit: 'P1' },
    ];
    // 60 minutes above with a fault at minute 135: one 60-minute excursion with one minute without data
    // (a fault must not split it into two runs shorter than the delay).
    const records = lane(300, (m) => (m === 135 ? null : m >= 100 && m < 160 ? 9 : 5), humid);
    const found = detectShipmentExcursions(records, PROFILE);
    expect(found.map((e) => [e.start, e.end, e.gapMs])).toEqual([[T0 + 100 * MIN, T0 + 160 * MIN, MIN]]);
  });

  it('keeps one series per sensor', () => {
    const second = (m: number): Sample[] => [
      { sensor: 'probe-2', kind: 'temperature', value: m >= 10 && m < 50 ? 9 : 5, unit: 'CEL' },
    ];
    const records = lane(100, () => 5, second);
    expect(detectShipmentExcursions(records, PROFILE).map((e) => e.start)).toEqual([T0 + 10 * MIN]);
  });

  it('gives excursions deterministic ledger ids, one entry per id (two sensors starting together merge)', () => {
    const sscc = '106141411234567897';
    const records = lane(300, (m) => (m >= 100 && m < 160 ? 9 : 5));
    const found = detectShipmentExcursions(records, PROFILE);
    // A second sensor beyond the limit from the same instant, shorter but hotter: one excursion that lasts
    // until the later end and carries the more extreme value.
    const hotter = { ...found[0]!, end: T0 + 135 * MIN, durationMs: 35 * MIN, maxValue: 20 };
    const inputs = toExcursionInputs(sscc, [...found, hotter]);
    expect(inputs).toEqual([
      {
        sscc,
        id: `${sscc}:single-event:above:${T0 + 100 * MIN}`,
        rule: 'single-event',
        direction: 'above',
        limit: 8,
        start: iso(100),
        end: iso(160),
        durationMs: 60 * MIN,
        maxValue: 20,
      },
    ]);
    expect(excursionId(sscc, found[0]!)).toBe(inputs[0]!.id);
  });
});
