import { type ReadingRecord, Unit } from '@coldtrail/core';

/**
 * Minutes a shipment's readings spent inside a stability budget's band [lowerC, upperC] (issue 9: "allowed
 * time between given limits over its life"). Both limits are inclusive: a stability study states the range it
 * covers, and a value on the limit is within it.
 *
 * - A sample taken at t covers [t, t + dt) (dt = the profile's sample period), as in the alarm rules (core
 *   alarm-rules.ts / excursion-rules.ts).
 * - A gap between two samples that are both inside the band counts as inside (the alarm rules bridge a gap
 *   between two samples beyond a limit the same way); a sample outside the band ends the time inside, and a
 *   sample's cover is cut short by the next sample of the same probe when that comes before t + dt.
 * - Several probes: per instant, the worst, meaning the instant counts when any probe's sample says the load
 *   was inside the band (the part of the load that probe measured consumed its budget), so the minutes are the
 *   length of the union of the probes' times inside, never their sum.
 * - Only temperature records in °C with a value count (fault records carry none), as in excursion-engine.ts.
 */
export interface Band {
  lowerC: number;
  upperC: number;
}

interface Span {
  from: number;
  to: number;
}

function probeSpans(series: { t: number; value: number }[], band: Band, periodMs: number): Span[] {
  const inside = (v: number) => v >= band.lowerC && v <= band.upperC;
  const out: Span[] = [];
  for (const [i, s] of series.entries()) {
    if (!inside(s.value)) continue;
    const next = series[i + 1];
    const to = !next ? s.t + periodMs : inside(next.value) ? next.t : Math.min(s.t + periodMs, next.t);
    if (to > s.t) out.push({ from: s.t, to });
  }
  return out;
}

/** Minutes inside the band (a float; 0 when no sample was inside). */
export function minutesInBand(
  records: readonly ReadingRecord[],
  band: Band,
  samplePeriodSeconds: number,
): number {
  const bySensor = new Map<string, { t: number; value: number }[]>();
  for (const r of records) {
    if (r.kind !== 'temperature' || r.unit !== Unit.Celsius || typeof r.value !== 'number') continue;
    const series = bySensor.get(r.sensor) ?? [];
    series.push({ t: Date.parse(r.ts), value: r.value });
    bySensor.set(r.sensor, series);
  }
  const periodMs = samplePeriodSeconds * 1000;
  const spans: Span[] = [];
  for (const series of bySensor.values()) {
    series.sort((a, b) => a.t - b.t);
    spans.push(...probeSpans(series, band, periodMs));
  }
  spans.sort((a, b) => a.from - b.from);
  let total = 0;
  let cur: Span | undefined;
  for (const s of spans) {
    if (cur && s.from <= cur.to) cur.to = Math.max(cur.to, s.to);
    else {
      if (cur) total += cur.to - cur.from;
      cur = { ...s };
    }
  }
  if (cur) total += cur.to - cur.from;
  return total / 60_000;
}

/** The GTINs of a shipment's declared contents, each once, sorted. */
export function contentGtins(contents: readonly { gtin: string }[] | undefined): string[] {
  return [...new Set((contents ?? []).map((c) => c.gtin))].sort();
}
