import {
  detectSingleEvent,
  type Excursion,
  ExcursionDirection,
  type ReadingRecord,
  type TimedValue,
  Unit,
} from '@coldtrail/core';
import type { ExcursionEntry, LedgerClient, ShipmentProfile } from './ledger-types.js';

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
  return `${sscc}:${e.rule}:${e.direction}:${e.start}`;
}

/**
 * Ledger entries for the excursions. Two sensors' excursions starting at the same instant share an id; the
 * longer one (then the more extreme) is kept, so one entry per id.
 */
export function toExcursionInputs(sscc: string, excursions: readonly Excursion[]): ExcursionInput[] {
  const byId = new Map<string, ExcursionInput>();
  for (const e of excursions) {
    const input: ExcursionInput = {
      sscc,
      id: excursionId(sscc, e),
      rule: e.rule,
      direction: e.direction,
      limit: e.limit,
      start: new Date(e.start).toISOString(),
      end: new Date(e.end).toISOString(),
      durationMs: e.durationMs,
      maxValue: e.maxValue,
    };
    const seen = byId.get(input.id);
    const worse = (a: ExcursionInput, b: ExcursionInput) =>
      a.durationMs > b.durationMs ||
      (a.durationMs === b.durationMs &&
        (a.direction === 'above' ? a.maxValue > b.maxValue : a.maxValue < b.maxValue));
    if (!seen || worse(input, seen)) byId.set(input.id, input);
  }
  return [...byId.values()];
}

/** Records on the ledger the excursions it does not hold yet (by id). Returns every input, recorded or not. */
export async function recordExcursions(
  ledger: Pick<LedgerClient, 'recordExcursion' | 'provenance'>,
  sscc: string,
  inputs: readonly ExcursionInput[],
): Promise<ExcursionInput[]> {
  const held = new Set((await ledger.provenance(sscc))?.excursions.map((e) => e.id) ?? []);
  for (const input of inputs) {
    if (!held.has(input.id)) await ledger.recordExcursion(input);
  }
  return [...inputs];
}
