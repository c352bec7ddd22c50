import {
  type ColdChainProfile,
  detectSingleEvent,
  type Excursion,
  ExcursionDirection,
  evaluateZone,
  excursionKeyId,
  excursionId as ledgerExcursionId,
  type ProfileZone,
  type ReadingRecord,
  type TimedValue,
  Unit,
} from '@coldtrail/core';
import type { ExcursionEntry, ShipmentEntry, ShipmentProfile } from './ledger-types.js';

export type ExcursionInput = Omit<ExcursionEntry, 'recordedAt' | 'txId'>;

/**
 * Single-event excursions (DESIGN §4) in a shipment's readings: temperature records only (fault records carry
 * no value and are no sample — the gap they leave ends a run, see core excursion-rules.ts), one series per
 * sensor, both directions: above `upperC` and below `lowerC`, each for at least the profile's delay, a sample
 * covering [t, t + samplePeriod).
 */
export function detectShipmentExcursions(
  records: readonly ReadingRecord[],
  profile: ShipmentProfile,
): Excursion[] {
  const bySensor = new Map<string, TimedValue[]>();
  for (const r of records) {
    if (r.kind !== 'temperature' || r.unit !== Unit.Celsius || typeof r.value !== 'number') continue;
    const series = bySensor.get(r.sensor) ?? [];
    series.push({ t: Date.parse(r.ts), value: r.value });
    bySensor.set(r.sensor, series);
  }
  const delayMs = profile.delayMinutes * 60_000;
  const periodMs = profile.samplePeriodSeconds * 1000;
  const out: Excursion[] = [];
  for (const series of bySensor.values()) {
    series.sort((a, b) => a.t - b.t);
    for (const [direction, limit] of [
      [ExcursionDirection.Above, profile.upperC],
      [ExcursionDirection.Below, profile.lowerC],
    ] as const) {
      out.push(...detectSingleEvent(series, { kind: 'single-event', direction, limit, delayMs }, periodMs));
    }
  }
  return out.sort((a, b) => a.start - b.start || a.direction.localeCompare(b.direction));
}

/** Deterministic id (ledger-types ExcursionEntry.id), so recording the same excursion twice is a no-op. */
export function excursionId(sscc: string, e: Pick<Excursion, 'rule' | 'direction' | 'start'>): string {
  return ledgerExcursionId(sscc, e.rule, e.direction, e.start);
}

/**
 * Ledger entries for the excursions, one per id. Excursions of two sensors that start at the same instant
 * share an id (sscc:rule:direction:start) and are merged into one: it lasts until the later end and carries
 * the more extreme value, so an excursion only ever grows as readings arrive (what the contract accepts for
 * one recorded in transit).
 */
export function toExcursionInputs(sscc: string, excursions: readonly Excursion[]): ExcursionInput[] {
  const byId = new Map<string, ExcursionInput>();
  for (const e of excursions) {
    const id = excursionId(sscc, e);
    const seen = byId.get(id);
    const end = Math.max(e.end, seen ? Date.parse(seen.end) : e.end);
    const extreme = !seen
      ? e.maxValue
      : e.direction === 'above'
        ? Math.max(e.maxValue, seen.maxValue)
        : Math.min(e.maxValue, seen.maxValue);
    byId.set(id, {
      sscc,
      id,
      rule: e.rule,
      direction: e.direction,
      limit: e.limit,
      start: new Date(e.start).toISOString(),
      end: new Date(end).toISOString(),
      durationMs: end - e.start,
      maxValue: extreme,
    });
  }
  return [...byId.values()];
}

/**
 * A shipment's excursions over its readings (DESIGN §4), as the ledger records them: under its versioned
 * profile when it has one (one entry per sensor, zone and alarm rule), else by the single-event rule of its
 * two limits exactly as before profiles (so shipments recorded then still verify).
 */
export function evaluateShipment(
  shipment: Pick<ShipmentEntry, 'sscc' | 'profile' | 'profileSpec'>,
  records: readonly ReadingRecord[],
): ExcursionInput[] {
  if (!shipment.profileSpec) {
    return toExcursionInputs(shipment.sscc, detectShipmentExcursions(records, shipment.profile));
  }
  return evaluateUnderProfile(shipment.sscc, shipment.profileSpec, records);
}

/** The unit each profile measure is read in (a record in another unit is no sample of it). */
const MEASURE_UNIT: Record<ProfileZone['measure'], Unit> = {
  temperature: Unit.Celsius,
  humidity: Unit.Percent,
  door: Unit.One,
};

/**
 * One series per sensor and measure, sorted by time. Fault records carry no value and are no sample (their gap
 * is bridged conservatively: alarm-rules.ts). Two samples of one sensor at the same instant (a clock that
 * stepped back) cannot both cover it: the zone sees the one furthest beyond its limit, so neither a
 * duplicate nor a reordering can hide an excursion or stop the evaluation.
 */
function seriesOf(
  records: readonly ReadingRecord[],
): Map<string, { sensor: string; measure: ProfileZone['measure']; samples: TimedValue[] }> {
  const out = new Map<string, { sensor: string; measure: ProfileZone['measure']; samples: TimedValue[] }>();
  for (const r of records) {
    const measure = r.kind as ProfileZone['measure'];
    if (
      !Object.hasOwn(MEASURE_UNIT, r.kind) ||
      r.unit !== MEASURE_UNIT[measure] ||
      typeof r.value !== 'number'
    ) {
      continue;
    }
    const key = `${r.sensor}\u0000${measure}`;
    const s = out.get(key) ?? { sensor: r.sensor, measure, samples: [] };
    out.set(key, s);
    s.samples.push({ t: Date.parse(r.ts), value: r.value });
  }
  for (const s of out.values()) s.samples.sort((a, b) => a.t - b.t);
  return out;
}

function forZone(samples: readonly TimedValue[], zone: ProfileZone): TimedValue[] {
  const out: TimedValue[] = [];
  for (const s of samples) {
    const last = out.at(-1);
    if (last && last.t === s.t) {
      const further = zone.direction === 'above' ? s.value > last.value : s.value < last.value;
      if (further) out[out.length - 1] = s;
    } else out.push(s);
  }
  return out;
}

function evaluateUnderProfile(
  sscc: string,
  profile: ColdChainProfile,
  records: readonly ReadingRecord[],
): ExcursionInput[] {
  const periodMs = profile.samplePeriodSeconds * 1000;
  const out: ExcursionInput[] = [];
  for (const series of seriesOf(records).values()) {
    for (const zone of profile.zones) {
      if (zone.measure !== series.measure) continue;
      for (const e of evaluateZone(series.sensor, zone, forZone(series.samples, zone), periodMs)) {
        out.push({
          sscc,
          id: excursionKeyId(sscc, e.sensor, e.zone, e.rule, e.start),
          rule: e.rule,
          direction: e.direction,
          limit: e.limit,
          start: new Date(e.start).toISOString(),
          end: new Date(e.end).toISOString(),
          durationMs: e.durationMs,
          maxValue: e.maxValue,
          sensor: e.sensor,
          measure: e.measure,
          zone: e.zone,
          inclusive: e.inclusive,
          triggeredAt: new Date(e.triggeredAt).toISOString(),
          gapMs: e.gapMs,
        });
      }
    }
  }
  return out.sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
}
