/**
 * Alarm evaluation of a cold-chain profile's zones over one sensor's samples (DESIGN §4, issue 9). Pure.
 *
 * Time: a sample taken at t covers [t, t + dt), dt being the profile's nominal sample period.
 * Beyond: a value is beyond a zone when it is greater than the limit (direction above) or less (below); with
 * `inclusive` a value equal to the limit is beyond too. Door zones read kind `door` samples, 1 open and
 * 0 closed, and count 1 as beyond (the profile's default `atOrAbove: 1`; profile.ts refuses a door zone that
 * would not). Door records come on every edge and every poll, so an opening shorter than dt still counts dt
 * (the conservative side, as for a gap).
 * Runs: a run is a stretch of consecutive samples beyond. Only a sample within limits ends a run. Missing
 * samples (and fault records, which the caller drops before calling) between two samples beyond count as
 * beyond, because nothing shows the product came back in range — the conservative reading for medicines, the
 * same convention as excursion-rules.ts; `gapMs` says how much of the time beyond no sample covered, so a gap
 * is visible, never hidden. A run spans [first t, last t + dt); its time beyond is that span.
 *
 * - instant: every run is an excursion (triggeredAt = start).
 * - single-event: a run whose time beyond is >= delay (exactly the delay counts) is an excursion
 *   (triggeredAt = start + delay).
 * - cumulative: the time beyond of every run of the series adds up and is never reset (time two runs both cover,
 *   possible only when samples come faster than dt, counts once). Once the total reaches the budget (exactly
 *   the budget counts) the zone has ONE excursion for the sensor: start = the first sample beyond ever,
 *   end = the coverage end of the last sample beyond, durationMs = the total (not end - start), triggeredAt =
 *   the instant the running total reached the budget (time beyond accrues linearly inside a run).
 * - Re-trigger: after a return within limits, a new run gives a new instant / single-event excursion.
 * - A series that ends inside a run still reports it: on a moving shipment the run may grow with the next
 *   samples, keeping its start and therefore its key (excursionKey); so does a cumulative excursion.
 * `gapMs` is always the part of durationMs no sample covered (for cumulative: summed over the runs).
 */
import { ColdtrailError, ErrorCode } from './errors.js';
import type { AlarmRule, ColdChainProfile, ProfileZone } from './profile.js';

export interface Sample {
  /** Epoch milliseconds; a series is sorted ascending with unique t. */
  t: number;
  value: number;
}

export interface AlarmExcursion {
  sensor: string;
  measure: ProfileZone['measure'];
  zone: string;
  rule: AlarmRule['kind'];
  direction: 'above' | 'below';
  limit: number;
  inclusive: boolean;
  /** t of the first sample beyond that belongs to it. */
  start: number;
  /** Coverage end of the last sample beyond in it (its t + dt). */
  end: number;
  /** When the alarm condition was met. */
  triggeredAt: number;
  /** Time beyond: end - start (instant, single-event); the accumulated total (cumulative). */
  durationMs: number;
  /** Most extreme value (max above, min below). */
  maxValue: number;
  samples: number;
  /** Part of durationMs that no sample covered (gaps bridged between samples beyond). */
  gapMs: number;
}

export interface SensorSeries {
  sensor: string;
  measure: ProfileZone['measure'];
  samples: readonly Sample[];
}

interface Run {
  start: number;
  end: number;
  extreme: number;
  samples: number;
  gapMs: number;
}

const MINUTE_MS = 60_000;

/** Excursions of one zone (every alarm rule of it) over one sensor's series of the zone's measure. */
export function evaluateZone(
  sensor: string,
  zone: ProfileZone,
  samples: readonly Sample[],
  samplePeriodMs: number,
): AlarmExcursion[] {
  if (!(Number.isFinite(samplePeriodMs) && samplePeriodMs > 0)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `sample period must be a positive number of ms, got ${samplePeriodMs}`,
    );
  }
  const runs = findRuns(sensor, zone, samples, samplePeriodMs);
  const base = {
    sensor,
    measure: zone.measure,
    zone: zone.id,
    direction: zone.direction,
    limit: zone.limit,
    inclusive: zone.inclusive,
  };
  const fromRun = (rule: AlarmRule['kind'], run: Run, triggeredAt: number): AlarmExcursion => ({
    ...base,
    rule,
    start: run.start,
    end: run.end,
    triggeredAt,
    durationMs: run.end - run.start,
    maxValue: run.extreme,
    samples: run.samples,
    gapMs: run.gapMs,
  });
  const out: AlarmExcursion[] = [];
  for (const alarm of zone.alarms) {
    switch (alarm.kind) {
      case 'instant':
        for (const run of runs) out.push(fromRun('instant', run, run.start));
        break;
      case 'single-event': {
        const delayMs = alarm.delayMinutes * MINUTE_MS;
        for (const run of runs) {
          if (run.end - run.start >= delayMs) out.push(fromRun('single-event', run, run.start + delayMs));
        }
        break;
      }
      case 'cumulative': {
        const c = cumulative(runs, alarm.budgetMinutes * MINUTE_MS, zone.direction);
        if (c) out.push({ ...base, rule: 'cumulative', ...c });
        break;
      }
      default:
        alarm satisfies never;
    }
  }
  return out.sort(byStart);
}

/** Every zone of the profile over every series of its measure; sorted by start, sensor, zone, rule. */
export function evaluateProfile(
  profile: ColdChainProfile,
  series: readonly SensorSeries[],
): AlarmExcursion[] {
  const periodMs = profile.samplePeriodSeconds * 1000;
  const seen = new Set<string>();
  const out: AlarmExcursion[] = [];
  for (const s of series) {
    const key = `${s.sensor}\u0000${s.measure}`;
    if (seen.has(key)) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `sensor ${s.sensor} has two ${s.measure} series; merge them into one sorted series`,
      );
    }
    seen.add(key);
    for (const zone of profile.zones) {
      if (zone.measure === s.measure) out.push(...evaluateZone(s.sensor, zone, s.samples, periodMs));
    }
  }
  return out.sort(byStart);
}

/**
 * The excursion's identity within a shipment: `${sensor}:${zone}:${rule}:${start}`. Zone ids and rule kinds
 * hold no ':' and start is a number, so the key splits back from the right even when a sensor id holds ':'
 * — two sensors' excursions starting at the same instant never collide.
 */
export function excursionKey(e: Pick<AlarmExcursion, 'sensor' | 'zone' | 'rule' | 'start'>): string {
  return `${e.sensor}:${e.zone}:${e.rule}:${e.start}`;
}

function findRuns(sensor: string, zone: ProfileZone, samples: readonly Sample[], dt: number): Run[] {
  const { limit, inclusive } = zone;
  const above = zone.direction === 'above';
  const beyond = (v: number) =>
    above ? (inclusive ? v >= limit : v > limit) : inclusive ? v <= limit : v < limit;
  const runs: Run[] = [];
  let run: Run | undefined;
  let prevT = Number.NEGATIVE_INFINITY;
  for (const [i, s] of samples.entries()) {
    if (!(Number.isFinite(s.t) && Number.isFinite(s.value)) || s.t <= prevT) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `sensor ${sensor}: sample ${i} (t ${s.t}, value ${s.value}) must have a finite value and come after the one before it`,
      );
    }
    prevT = s.t;
    if (!beyond(s.value)) {
      run = undefined;
      continue;
    }
    if (!run) {
      run = { start: s.t, end: s.t + dt, extreme: s.value, samples: 1, gapMs: 0 };
      runs.push(run);
      continue;
    }
    // The previous sample's coverage ends at run.end; anything between it and this sample is a bridged gap.
    run.gapMs += Math.max(0, s.t - run.end);
    run.end = s.t + dt;
    run.samples++;
    run.extreme = above ? Math.max(run.extreme, s.value) : Math.min(run.extreme, s.value);
  }
  return runs;
}

function cumulative(
  runs: readonly Run[],
  budgetMs: number,
  direction: 'above' | 'below',
):
  | Omit<AlarmExcursion, 'sensor' | 'measure' | 'zone' | 'rule' | 'direction' | 'limit' | 'inclusive'>
  | undefined {
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (!first || !last) return undefined;
  let total = 0;
  let triggeredAt: number | undefined;
  let extreme = first.extreme;
  let samples = 0;
  let gapMs = 0;
  let prevEnd = Number.NEGATIVE_INFINITY;
  for (const run of runs) {
    // Runs only overlap when samples come faster than dt (a sample within limits inside the previous
    // sample's coverage): count such time once.
    const from = Math.max(run.start, prevEnd);
    const span = run.end - from;
    if (triggeredAt === undefined && total + span >= budgetMs) triggeredAt = from + (budgetMs - total);
    total += span;
    prevEnd = run.end;
    samples += run.samples;
    gapMs += run.gapMs;
    extreme = direction === 'above' ? Math.max(extreme, run.extreme) : Math.min(extreme, run.extreme);
  }
  if (triggeredAt === undefined) return undefined;
  return {
    start: first.start,
    end: last.end,
    triggeredAt,
    durationMs: total,
    maxValue: extreme,
    samples,
    gapMs,
  };
}

const RULE_ORDER: Record<AlarmRule['kind'], number> = { instant: 0, 'single-event': 1, cumulative: 2 };

function byStart(a: AlarmExcursion, b: AlarmExcursion): number {
  return (
    a.start - b.start ||
    compare(a.sensor, b.sensor) ||
    compare(a.zone, b.zone) ||
    RULE_ORDER[a.rule] - RULE_ORDER[b.rule]
  );
}

/** Code-unit order, the same on every runtime and locale (unlike localeCompare). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
