import { describe, expect, it } from 'vitest';
import type { Sample } from './alarm-rules.js';
import { isColdtrailError } from './errors.js';
import { meanKineticTemperature, mktWindows } from './mkt.js';

// Golden values: ../shared/reference/README.md, "Facts for golden tests" (computed independently in two
// languages, dH/R = 10 000 K).
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const MIN = 60_000;

const hourly = (values: readonly number[]): Sample[] =>
  values.map((value, i) => ({ t: T0 + i * HOUR, value }));
const repeat = (n: number, value: number): number[] => Array.from({ length: n }, () => value);

describe('meanKineticTemperature', () => {
  it('is the temperature itself when it is constant: 5 °C -> 5.000000', () => {
    expect(meanKineticTemperature(hourly(repeat(24, 5)), HOUR)?.toFixed(6)).toBe('5.000000');
  });

  it('two equal periods at 0 and 20 °C -> 14.8161 (arithmetic mean 10)', () => {
    expect(meanKineticTemperature(hourly([0, 20]), HOUR)?.toFixed(4)).toBe('14.8161');
  });

  it('20 h at 5, 3 h at 12, 1 h at 20 °C -> 7.6149, under 8 although an hour sat at 20', () => {
    const mkt = meanKineticTemperature(hourly([...repeat(20, 5), ...repeat(3, 12), 20]), HOUR);
    expect(mkt?.toFixed(4)).toBe('7.6149');
  });

  it('weighs a sample by its coverage: a sample before a gap weighs one period, not the gap', () => {
    // 0 °C at hour 0 (followed by a 5-h gap, weighs 1 h) and 20 °C at hour 5: the equal-periods value.
    const samples = [
      { t: T0, value: 0 },
      { t: T0 + 5 * HOUR, value: 20 },
    ];
    expect(meanKineticTemperature(samples, HOUR)?.toFixed(4)).toBe('14.8161');
  });

  it('weighs samples closer than the period by the time to the next one', () => {
    // 0 °C at 0 weighs 30 min (the next sample comes 30 min later); 20 °C at 30 min, the last, weighs its
    // full hour: 1 part 0 °C to 2 parts 20 °C, the same mix as hourly [0, 20, 20].
    const dense = [
      { t: T0, value: 0 },
      { t: T0 + 30 * MIN, value: 20 },
    ];
    const hourlyForm = meanKineticTemperature(hourly([0, 20, 20]), HOUR);
    expect(meanKineticTemperature(dense, HOUR)).toBeCloseTo(hourlyForm as number, 9);
  });

  it('takes another ΔH/R', () => {
    // A smaller activation energy weighs the warm period less: between the mean (10) and 14.8161.
    const mkt = meanKineticTemperature(hourly([0, 20]), HOUR, { deltaHOverR: 5_000 }) as number;
    expect(mkt).toBeGreaterThan(10);
    expect(mkt).toBeLessThan(14.8161);
  });

  it('is null for no samples', () => {
    expect(meanKineticTemperature([], HOUR)).toBeNull();
  });

  it('stays exact over 43,200 minute samples (30 days) with one warm day', () => {
    // 29 days at 5 °C and 1 day at 20 °C, per minute; per-hour form of the same mix must agree.
    const perMinute: Sample[] = [];
    for (let i = 0; i < 43_200; i++) perMinute.push({ t: T0 + i * MIN, value: i < 41_760 ? 5 : 20 });
    const perHour = hourly([...repeat(29 * 24, 5), ...repeat(24, 20)]);
    const a = meanKineticTemperature(perMinute, MIN) as number;
    expect(a).toBeCloseTo(meanKineticTemperature(perHour, HOUR) as number, 9);
    expect(a).toBeGreaterThan(5);
    expect(a).toBeLessThan(20);
    // and a constant month is still exactly its temperature
    const flat = perMinute.map((s) => ({ t: s.t, value: 5 }));
    expect(meanKineticTemperature(flat, MIN)?.toFixed(6)).toBe('5.000000');
  });

  it.each([
    ['below absolute zero', [{ t: T0, value: -300 }]],
    [
      'out of order',
      [
        { t: T0 + 1, value: 5 },
        { t: T0, value: 5 },
      ],
    ],
  ])('refuses a sample %s', (_, samples) => {
    let err: unknown;
    try {
      meanKineticTemperature(samples, HOUR);
    } catch (e) {
      err = e;
    }
    expect(isColdtrailError(err, 'INVALID_INPUT')).toBe(true);
  });
});

describe('mktWindows', () => {
  it('splits into windows aligned to the first sample, each with its own MKT', () => {
    // Day 1: the 7.6149 day; day 2: constant 5; day 3: only 2 hours at 0 and 20 (a partial window).
    const values = [...repeat(20, 5), ...repeat(3, 12), 20, ...repeat(24, 5), 0, 20];
    const windows = mktWindows(hourly(values), HOUR, 24 * HOUR);
    expect(windows.map((w) => [w.start - T0, w.end - T0, w.samples, w.coveredMs, w.mktC.toFixed(4)])).toEqual(
      [
        [0, 24 * HOUR, 24, 24 * HOUR, '7.6149'],
        [24 * HOUR, 48 * HOUR, 24, 24 * HOUR, '5.0000'],
        [48 * HOUR, 72 * HOUR, 2, 2 * HOUR, '14.8161'],
      ],
    );
  });

  it('leaves out windows without samples', () => {
    const samples = [
      { t: T0, value: 5 },
      { t: T0 + 50 * HOUR, value: 5 },
    ];
    expect(mktWindows(samples, HOUR, 24 * HOUR).map((w) => w.start - T0)).toEqual([0, 48 * HOUR]);
  });

  it('is empty for no samples and refuses a window that is not positive', () => {
    expect(mktWindows([], HOUR, HOUR)).toEqual([]);
    expect(() => mktWindows([], HOUR, 0)).toThrow(/window/);
  });
});
