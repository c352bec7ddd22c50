import { detectSingleEvent, ExcursionDirection, type ShipmentProfile } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { AlarmRule, LocalAlarmEvaluator } from './local-alarms.js';

const MIN = 60_000;
const profile: ShipmentProfile = { id: 'p', lowerC: 2, upperC: 8, delayMinutes: 3, samplePeriodSeconds: 60 };

describe('LocalAlarmEvaluator', () => {
  it('raises instant at once and single-event once the delay is reached; clears both back in range', () => {
    const ev = new LocalAlarmEvaluator(profile, MIN);
    const step = (k: number, v: number) =>
      ev
        .observe('probe-1', k * MIN, v)
        .transitions.map((t) => `${t.event} ${t.alarm.rule} ${t.alarm.direction}`);
    expect(step(0, 5)).toEqual([]);
    expect(step(1, 9)).toEqual(['raised instant above']);
    expect(step(2, 9.5)).toEqual([]);
    // 3 samples beyond cover [1, 4) min = 3 min = delayMinutes
    expect(step(3, 9)).toEqual(['raised single-event above']);
    expect(ev.active.map((a) => [a.rule, a.since, a.limit])).toEqual([
      [AlarmRule.Instant, MIN, 8],
      [AlarmRule.SingleEvent, MIN, 8],
    ]);
    expect(step(4, 9)).toEqual([]);
    expect(step(5, 1)).toEqual([
      'cleared instant above',
      'cleared single-event above',
      'raised instant below',
    ]);
    expect(step(6, 2)).toEqual(['cleared instant below']); // 2 °C is within [lowerC, upperC]
    expect(ev.active).toEqual([]);
  });

  it('keeps a run going across other sensors and across a restart from its persisted state', () => {
    const ev = new LocalAlarmEvaluator(profile, MIN);
    ev.observe('a', 0, 9);
    ev.observe('b', 0, 5);
    const saved = ev.state;
    expect(saved.runs).toEqual({ a: { direction: ExcursionDirection.Above, start: 0 } });
    const again = new LocalAlarmEvaluator(profile, MIN, saved);
    // a gap (no samples for 10 min: faults, or the agent was off) does not end the run: conservative
    expect(again.observe('a', 10 * MIN, 9).transitions.map((t) => t.alarm.rule)).toEqual([
      AlarmRule.SingleEvent,
    ]);
    expect(again.observe('b', 10 * MIN, 5).transitions).toEqual([]);
  });

  it('raises single-event exactly for the excursions core detectSingleEvent finds (random series)', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 200; trial++) {
      const values = Array.from({ length: 60 }, () => (rand() < 0.5 ? 5 : rand() < 0.5 ? 9 : 1));
      const samples = values.map((value, k) => ({ t: k * MIN, value }));
      const ev = new LocalAlarmEvaluator(profile, MIN);
      const raised = samples
        .flatMap((s) => ev.observe('p', s.t, s.value).transitions)
        .filter((t) => t.event === 'raised' && t.alarm.rule === AlarmRule.SingleEvent)
        .map((t) => [t.alarm.direction, t.alarm.since]);
      const expected = (['above', 'below'] as const)
        .flatMap((direction) =>
          detectSingleEvent(
            samples,
            {
              kind: 'single-event',
              direction,
              limit: direction === 'above' ? profile.upperC : profile.lowerC,
              delayMs: profile.delayMinutes * MIN,
            },
            MIN,
          ).map((x) => [direction, x.start] as [string, number]),
        )
        .sort((x, y) => x[1] - y[1]);
      expect(raised).toEqual(expected);
    }
  });

  it('clearAll ends everything (profile changed)', () => {
    const ev = new LocalAlarmEvaluator(profile, MIN);
    ev.observe('a', 0, 20);
    expect(ev.clearAll(5).map((t) => [t.event, t.reason, t.value])).toEqual([
      ['cleared', 'profile-changed', null],
    ]);
    expect(ev.state).toEqual({ runs: {}, active: [] });
  });
});
