import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { loadScenario, parseScenario } from './scenario.js';
import { expectedEvents, expectedFaults, valuesAt } from './scenario-values.js';

const MIN = 60_000;
const H = 60 * MIN;

describe('the default scenario (scenarios/lane-2-8.yaml)', async () => {
  const s = await loadScenario();

  it('is a 12 h 2-8 °C lane with one 60 min excursion and one 10 min spike', () => {
    expect(s.durationMs).toBe(12 * H);
    expect(expectedEvents(s)).toEqual([
      { name: 'excursion', start: 3 * H, end: 4 * H, durationMs: 60 * MIN, maxValue: 10.6, limit: 8 },
      { name: 'spike', start: 8 * H, end: 8 * H + 10 * MIN, durationMs: 10 * MIN, maxValue: 8.9, limit: 8 },
    ]);
    expect(expectedFaults(s, 1000).map((f) => f.kind)).toEqual(['crc', 'garbage', 'silent']);
    expect(expectedFaults(s, 1000)[2]).toEqual({
      kind: 'silent',
      start: 1000 + 10 * H,
      end: 1000 + 10 * H + 4 * MIN,
      count: 1,
    });
  });

  it('reads strictly above 8 °C exactly inside event windows and within 2-8 °C elsewhere (every second)', () => {
    const windows = expectedEvents(s);
    const bad: string[] = [];
    let above = 0;
    let max = 0;
    for (let t = 0; t < s.durationMs; t += 1000) {
      const { temperature: c, humidity: rh } = valuesAt(s, t);
      const inside = windows.some((w) => t >= w.start && t < w.end);
      if (inside ? !(c > 8) : c > 8 || c < 2) bad.push(`t=${t}: ${c} °C (inside an event: ${inside})`);
      if (rh < 45 || rh > 60) bad.push(`t=${t}: ${rh} %RH`);
      if (Math.round(c * 10) / 10 !== c) bad.push(`t=${t}: ${c} is not on the 0.1 °C grid`);
      if (inside) above++;
      max = Math.max(max, c);
    }
    expect(bad).toEqual([]);
    expect(above).toBe(70 * 60);
    expect(max).toBe(10.6);
    // Edges: the first instant in a window is above, the instant after is not.
    expect(valuesAt(s, 3 * H).temperature).toBe(8.1);
    expect(valuesAt(s, 4 * H).temperature).toBeLessThanOrEqual(8);
    expect(valuesAt(s, 3 * H - 1).temperature).toBeLessThanOrEqual(8);
  });

  it('varies gently and replays identically', () => {
    const temps = Array.from({ length: 120 }, (_, i) => valuesAt(s, i * 60_000).temperature);
    expect(new Set(temps).size).toBeGreaterThan(10);
    for (let i = 1; i < temps.length; i++) expect(Math.abs(temps[i]! - temps[i - 1]!)).toBeLessThan(0.5);
    expect(valuesAt(s, 12_345_678)).toEqual(valuesAt(s, 12_345_678));
  });
});

describe('scenario validation', () => {
  const base = 'name: t\nduration: 2h\n';

  it('reports every problem as path: message', () => {
    const text = `
name: t
duration: soon
colour: blue
temperature: { mean: 5, swing: -1 }
events:
  - { name: e, start: 10m, duration: 0s, peak: 7.5 }
  - { start: 1h, duration: 10m }
faults:
  - { kind: sparks, at: 1h }
  - { kind: crc, at: 1h, duration: 1m, count: 2 }
`;
    let message = '';
    try {
      parseScenario(text, 'bad.yaml');
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_CONFIG' });
      message = (err as Error).message;
    }
    expect(message).toContain('bad.yaml is not a valid scenario');
    for (const line of [
      'duration: must be a duration such as "10m", "1h30m" or "45s"',
      'colour: unknown key (expected one of: name, duration, seed, limits, temperature, humidity, events, faults)',
      'temperature.swing: must be >= 0',
      'events[0].duration: must be longer than zero',
      'events[0].peak: must be above the upper limit 8 by at least 0.1',
      'events[1].peak: must be a number',
      'faults[0].kind: must be one of: crc, garbage, silent, truncated, exception, late',
      'faults[1]: give either duration (every request in a window) or count (that many requests), not both',
    ]) {
      expect(message).toContain(line);
    }
  });

  it('rejects overlapping events, events past the end and faults inside events', () => {
    const text = `${base}events:
  - { start: 10m, duration: 30m, peak: 9 }
  - { start: 30m, duration: 10m, peak: 9 }
  - { start: 110m, duration: 20m, peak: 9 }
faults:
  - { kind: silent, at: 5m, duration: 10m }
  - { kind: crc, at: 3h }
`;
    expect(() => parseScenario(text)).toThrow(
      /events\[0\]: overlaps events\[1\][\s\S]*events\[2\]: must end within[\s\S]*faults\[0\]: overlaps events\[0\][\s\S]*faults\[1\].at: must lie within/,
    );
  });

  it("bounds temperatures to the probe's range and what its register carries, humidity to 0..100 %RH", () => {
    const problems = (text: string) => {
      try {
        parseScenario(`${base}${text}`);
      } catch (err) {
        expect(err).toMatchObject({ code: 'INVALID_CONFIG' });
        return (err as Error).message;
      }
      return 'valid';
    };
    expect(problems('limits: { lower: -60, upper: 130 }\ntemperature: { mean: 0 }')).toMatch(
      /limits\.lower: must lie within the probe's range -55\.\.125 °C[\s\S]*limits\.upper: must lie within/,
    );
    expect(problems('limits: { lower: 100, upper: 124 }\ntemperature: { mean: 120, swing: 10 }')).toContain(
      "temperature: mean ± swing must lie within the probe's range -55..125 °C (120 ± 10)",
    );
    expect(problems('humidity: { mean: 95, swing: 10 }')).toContain(
      'humidity: mean ± swing must lie within 0..100 %RH (95 ± 10)',
    );
    // 3276.8 °C would wrap to -3276.8 °C in the int16 register; a peak past the probe's range is a fault to test.
    expect(problems('events:\n  - { start: 10m, duration: 10m, peak: 3276.8 }')).toContain(
      "events[0].peak: must be at most 3276.7 °C, the most the probe's int16 register carries",
    );
    expect(problems('events:\n  - { start: 10m, duration: 10m, peak: 3276.7 }')).toBe('valid');
  });

  it('rejects YAML that does not parse or is not a mapping, naming the line', () => {
    expect(() => parseScenario('name: [unclosed\nduration: 1h', 'x.yaml')).toThrow(
      /x\.yaml \(line \d+\): not valid YAML/,
    );
    expect(() => parseScenario('- a\n- b')).toThrow(/\(root\): must be a mapping/);
  });

  it('fills defaults for limits, waves, seed and counts', () => {
    const s = parseScenario(`${base}faults:\n  - { kind: exception, at: 5m, code: 2 }\n`);
    expect(s.limits).toEqual({ lower: 2, upper: 8 });
    expect(s.seed).toBe(1);
    expect(s.temperature).toEqual({ mean: 5, swing: 1, periodMs: 4 * H });
    expect(s.faults).toEqual([{ kind: 'exception', atMs: 5 * MIN, count: 1, code: 2 }]);
  });

  it('fails with NOT_FOUND naming a missing file', async () => {
    await expect(loadScenario('/nonexistent/lane.yaml')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('durations', () => {
  it('parses and formats the units scenario files use', () => {
    expect(parseDuration('12h')).toBe(12 * H);
    expect(parseDuration('1h30m')).toBe(90 * MIN);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(90 * MIN);
    for (const bad of ['', '10', 'm', '10 minutes', '-5m', '5m1h'])
      expect(parseDuration(bad), bad).toBeUndefined();
    expect(formatDuration(90 * MIN + 5000)).toBe('1h30m5s');
  });
});
