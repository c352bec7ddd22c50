import type { FaultKind, Scenario, Wave } from './scenario.js';

/**
 * What the simulated probe measures at a moment of the scenario. Values are quantised to the probe's
 * register resolution (0.1 °C, 0.1 %RH), so they are exactly what travels on the wire.
 *
 * Guarantee relied on by tests and the demo: the temperature is strictly above `limits.upper` for every t in
 * an event window [start, start+duration) and at most `limits.upper` (and at least `limits.lower`) elsewhere.
 * A detector that samples every P ms therefore sees each event start and end within one period.
 */
export interface ProbeValues {
  temperature: number;
  humidity: number;
}

/** Before and after an event the temperature drifts toward the limit over this long, as a warming load does. */
const APPROACH_MS = 15 * 60_000;
const STEP = 0.1;

const tenth = (v: number) => Math.round(v * 10) / 10;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Deterministic phases from the seed (mulberry32), so a scenario replays identically. */
function phases(seed: number, n: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 * Math.PI);
  }
  return out;
}

/** A slow main swing plus a faster, smaller ripple; |result - mean| <= swing. */
function waveAt(w: Wave, t: number, [p1 = 0, p2 = 0, p3 = 0]: number[]): number {
  const x = (2 * Math.PI * t) / w.periodMs;
  return (
    w.mean + w.swing * (0.7 * Math.sin(x + p1) + 0.25 * Math.sin(3.3 * x + p2) + 0.05 * Math.sin(41 * x + p3))
  );
}

export function valuesAt(scenario: Scenario, offsetMs: number): ProbeValues {
  const ph = phases(scenario.seed, 6);
  const { lower, upper } = scenario.limits;
  const humidity = tenth(clamp(waveAt(scenario.humidity, offsetMs, ph.slice(3)), 0, 100));
  const inside = scenario.events.find((e) => offsetMs >= e.startMs && offsetMs < e.startMs + e.durationMs);
  if (inside) {
    // sin(pi * frac) is 0 at both edges, so the edges sit one register step above the limit.
    const shape = Math.sin((Math.PI * (offsetMs - inside.startMs)) / inside.durationMs);
    const floor = upper + STEP;
    return { temperature: tenth(floor + (Math.max(inside.peak, floor) - floor) * shape), humidity };
  }
  let t = waveAt(scenario.temperature, offsetMs, ph);
  let pull = 0;
  for (const e of scenario.events) {
    const before = e.startMs - offsetMs;
    const after = offsetMs - (e.startMs + e.durationMs);
    const d = before > 0 ? before : after;
    if (d >= 0 && d < APPROACH_MS) pull = Math.max(pull, 1 - d / APPROACH_MS);
  }
  t += (upper - STEP - t) * pull;
  return { temperature: tenth(clamp(t, lower, upper - STEP)), humidity };
}

/** An event as the excursion engine should see it: `start`/`end` in the same time base as `startEpochMs`. */
export interface ExpectedEvent {
  name: string;
  start: number;
  end: number;
  durationMs: number;
  /** Peak of the event's curve, °C; the highest sampled reading is at most this (equal at 1 min sampling). */
  maxValue: number;
  /** The probe reads strictly above this during the event. */
  limit: number;
}

/** The scenario's events; with `startEpochMs`, start/end are epoch ms, otherwise offsets from the start. */
export function expectedEvents(scenario: Scenario, startEpochMs = 0): ExpectedEvent[] {
  return scenario.events.map((e) => ({
    name: e.name,
    start: startEpochMs + e.startMs,
    end: startEpochMs + e.startMs + e.durationMs,
    durationMs: e.durationMs,
    maxValue: tenth(Math.max(e.peak, scenario.limits.upper + STEP)),
    limit: scenario.limits.upper,
  }));
}

export interface ExpectedFault {
  kind: FaultKind;
  start: number;
  /** End of the window for windowed faults; undefined for count faults (the next `count` requests). */
  end: number | undefined;
  count: number;
}

export function expectedFaults(scenario: Scenario, startEpochMs = 0): ExpectedFault[] {
  return scenario.faults.map((f) => ({
    kind: f.kind,
    start: startEpochMs + f.atMs,
    end: f.durationMs === undefined ? undefined : startEpochMs + f.atMs + f.durationMs,
    count: f.count,
  }));
}
