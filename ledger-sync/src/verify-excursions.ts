import { canonicalJson } from '@coldtrail/core';
import type { ExcursionInput } from './excursion-engine.js';
import type { ExcursionEntry } from './ledger-types.js';
import { checkResult, type VerificationCheck } from './verification.js';

/** One excursion of a provenance answer (JSON-friendly: ISO-8601 UTC times, °C, minutes). */
export interface ExcursionSummary {
  id: string;
  /** The ledger holds an excursion under this id (recorded in transit or at completion). */
  recorded: boolean;
  /**
   * The excursion shows in the verified readings (re-derived under the shipment's profile). False only for one
   * the ledger records that the readings do not show, which fails the `excursions` check.
   */
  derived: boolean;
  rule: string;
  direction: 'above' | 'below';
  limitC: number;
  start: string;
  end: string;
  durationMinutes: number;
  maxValue: number;
  /**
   * Under a versioned profile: the sensor, measure and zone, whether the limit itself counts, when the alarm
   * triggered and the minutes no sample covered. Absent for shipments created before profiles.
   */
  sensor?: string;
  measure?: 'temperature' | 'humidity' | 'door';
  zone?: string;
  inclusive?: boolean;
  triggeredAt?: string;
  gapMinutes?: number;
}

type Recorded = Omit<ExcursionEntry, 'recordedAt' | 'txId'>;
const details = (e: Recorded) => canonicalJson(e);

const UNIT_TEXT = { temperature: '°C', humidity: '%RH', door: '(1 = open)' } as const;

function describe(e: Recorded): string {
  const unit = UNIT_TEXT[e.measure ?? 'temperature'];
  return `${e.id} (${e.direction} ${e.limit} ${unit} from ${e.start} to ${e.end}, extreme ${e.maxValue} ${unit})`;
}

/**
 * A recorded excursion that the readings show still running: what describes it (zone, limit, trigger) the
 * same, and at least as long and extreme (the contract's rule for an excursion that grows in transit).
 */
function contains(derived: Recorded, recorded: Recorded): boolean {
  const extreme =
    derived.direction === 'above'
      ? derived.maxValue >= recorded.maxValue
      : derived.maxValue <= recorded.maxValue;
  const { end: _e, durationMs: _d, maxValue: _m, gapMs: _g, ...fixedDerived } = derived;
  const { end: _re, durationMs: _rd, maxValue: _rm, gapMs: _rg, ...fixedRecorded } = recorded;
  return (
    details(fixedDerived as Recorded) === details(fixedRecorded as Recorded) &&
    Date.parse(derived.end) >= Date.parse(recorded.end) &&
    derived.durationMs >= recorded.durationMs &&
    extreme
  );
}

/**
 * `excursions`: the excursions re-derived from the verified readings must be those the ledger records. For a
 * completed shipment exactly: one shown by the readings but not recorded is missing (an erased excursion),
 * one recorded but not shown is extra (readings removed under it), one recorded with other details differs.
 * In transit the ledger may lag (recorded as they are found) and a running excursion may have grown since
 * it was recorded, but nothing it records may be missing from the readings or be longer than they show.
 * The answer lists every excursion of either side, the re-derived details where the readings have them.
 */
export function compareExcursions(
  derived: readonly ExcursionInput[],
  recordedEntries: readonly ExcursionEntry[],
  complete: boolean,
): { check: VerificationCheck; excursions: ExcursionSummary[] } {
  const recorded = new Map(recordedEntries.map(({ recordedAt, txId, ...e }) => [e.id, e as Recorded]));
  const found = new Map(derived.map((e) => [e.id, e]));
  const problems: string[] = [];
  for (const d of derived) {
    const r = recorded.get(d.id);
    if (!r) {
      if (complete)
        problems.push(`excursion ${describe(d)} shows in the readings but is not recorded on the ledger`);
    } else if (complete ? details(r) !== details(d) : !contains(d, r)) {
      problems.push(`excursion ${d.id} is recorded as ${describe(r)}, but the readings show ${describe(d)}`);
    }
  }
  for (const r of recorded.values()) {
    if (!found.has(r.id)) {
      problems.push(
        `excursion ${describe(r)} is recorded on the ledger, but the stored readings do not show it`,
      );
    }
  }
  const ids = [...new Set([...found.keys(), ...recorded.keys()])];
  const excursions = ids
    .map((id) => {
      const e = (found.get(id) ?? recorded.get(id)) as Recorded;
      return {
        id,
        recorded: recorded.has(id),
        derived: found.has(id),
        rule: e.rule,
        direction: e.direction,
        limitC: e.limit,
        start: e.start,
        end: e.end,
        durationMinutes: e.durationMs / 60_000,
        maxValue: e.maxValue,
        ...(e.sensor === undefined
          ? {}
          : {
              sensor: e.sensor,
              ...(e.measure === undefined ? {} : { measure: e.measure }),
              ...(e.zone === undefined ? {} : { zone: e.zone }),
              ...(e.inclusive === undefined ? {} : { inclusive: e.inclusive }),
              ...(e.triggeredAt === undefined ? {} : { triggeredAt: e.triggeredAt }),
              ...(e.gapMs === undefined ? {} : { gapMinutes: e.gapMs / 60_000 }),
            }),
      };
    })
    .sort(
      (a, b) =>
        Date.parse(a.start) - Date.parse(b.start) ||
        a.direction.localeCompare(b.direction) ||
        a.id.localeCompare(b.id),
    );
  const pending = excursions.filter((e) => !e.recorded).length;
  const ok = complete
    ? `${derived.length} excursion(s) re-derived from the readings, exactly those recorded on the ledger`
    : `${derived.length} excursion(s) re-derived from the readings so far${pending ? ` (${pending} not recorded yet)` : ''}; the ledger records none they do not show`;
  return { check: checkResult('excursions', problems, ok), excursions };
}
