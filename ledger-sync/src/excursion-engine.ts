import {
  detectSingleEvent,
  type Excursion,
  ExcursionDirection,
  excursionId as ledgerExcursionId,
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

/** A shipment's excursions over its readings (DESIGN §4), as the ledger records them. */
export function evaluateShipment(
  shipment: Pick<ShipmentEntry, 'sscc' | 'profile'>,
  records: readonly ReadingRecord[],
): ExcursionInput[] {
  return toExcursionInputs(shipment.sscc, detectShipmentExcursions(records, shipment.profile));
}
