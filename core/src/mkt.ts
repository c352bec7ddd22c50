/**
 * Mean kinetic temperature (USP <1079.2> "Mean Kinetic Temperature in the Evaluation of Temperature Excursions
 * During Storage and Transportation of Drug Products"; ICH Q1A(R2) glossary; Haynes' formula):
 *
 *   MKT = (ΔH/R) / -ln( Σ w_i · exp(-(ΔH/R) / T_i) / Σ w_i )      T_i in kelvin = °C + 273.15
 *
 * with ΔH/R = 10 000 K by default (ΔH = 83.144 kJ/mol, R = 8.3144 J/(mol·K), USP's value). Time-weighted: a
 * sample taken at t covers [t, t + dt), so it weighs min(dt, next.t - t) — a sample followed by a gap weighs
 * only its own period (the gap is unknown, not this value), and samples closer than dt share the time. The
 * sum is done as a log-sum-exp (the largest exponent factored out), so it neither underflows (exp(-36) per
 * term) nor loses the small terms across 43 200 samples of a 30-day window.
 *
 * MKT is reported beside excursions, never instead of them (USP <1079.2>: it does not replace excursion
 * evaluation; see ../shared/reference/README.md: 1 h at 20 °C still gives an MKT under 8 °C).
 */

import type { Sample } from './alarm-rules.js';
import { ColdtrailError, ErrorCode } from './errors.js';

export const DEFAULT_DELTA_H_OVER_R = 10_000;
const ZERO_CELSIUS_K = 273.15;

export interface MktOptions {
  /** ΔH/R in kelvin; default 10 000 K. */
  deltaHOverR?: number;
}

export interface MktWindow {
  /** Window start (epoch ms): the first sample's t plus a whole number of windows. */
  start: number;
  /** start + windowMs (the declared window, even where the series ends earlier: see coveredMs). */
  end: number;
  mktC: number;
  samples: number;
  /** Time the window's samples weigh in total; below windowMs where data is missing or the series ended. */
  coveredMs: number;
}

/** MKT in °C of a series sorted by t; null for no samples. */
export function meanKineticTemperature(
  samples: readonly Sample[],
  samplePeriodMs: number,
  opts: MktOptions = {},
): number | null {
  const e = energy(opts, samplePeriodMs);
  checkSeries(samples);
  return samples.length === 0 ? null : mktOf(samples, 0, samples.length, samplePeriodMs, e).mktC;
}

/**
 * MKT of consecutive windows of `windowMs` aligned to the first sample: window k holds the samples with
 * t in [t0 + k·windowMs, t0 + (k+1)·windowMs). A sample belongs wholly to the window its t falls in (with the
 * nominal period dividing the window, as 60 s divides 24 h, nothing straddles). Windows without samples are
 * left out: there is no MKT of nothing, and the caller sees the hole in the starts.
 */
export function mktWindows(
  samples: readonly Sample[],
  samplePeriodMs: number,
  windowMs: number,
  opts: MktOptions = {},
): MktWindow[] {
  const e = energy(opts, samplePeriodMs);
  if (!(Number.isFinite(windowMs) && windowMs > 0)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `MKT window must be a positive number of ms, got ${windowMs}`,
    );
  }
  checkSeries(samples);
  const first = samples[0];
  if (!first) return [];
  const out: MktWindow[] = [];
  let from = 0;
  while (from < samples.length) {
    const k = Math.floor(((samples[from] as Sample).t - first.t) / windowMs);
    const start = first.t + k * windowMs;
    const end = start + windowMs;
    let to = from;
    while (to < samples.length && (samples[to] as Sample).t < end) to++;
    out.push({ start, end, ...mktOf(samples, from, to, samplePeriodMs, e) });
    from = to;
  }
  return out;
}

function energy(opts: MktOptions, samplePeriodMs: number): number {
  const e = opts.deltaHOverR ?? DEFAULT_DELTA_H_OVER_R;
  if (!(Number.isFinite(e) && e > 0)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `ΔH/R must be a positive number of kelvin, got ${e}`);
  }
  if (!(Number.isFinite(samplePeriodMs) && samplePeriodMs > 0)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `sample period must be a positive number of ms, got ${samplePeriodMs}`,
    );
  }
  return e;
}

function checkSeries(samples: readonly Sample[]): void {
  let prevT = Number.NEGATIVE_INFINITY;
  for (const [i, s] of samples.entries()) {
    if (!(Number.isFinite(s.t) && s.t > prevT && Number.isFinite(s.value) && s.value > -ZERO_CELSIUS_K)) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `MKT sample ${i} (t ${s.t}, value ${s.value}) must be a temperature above -273.15 °C, after the sample before it`,
      );
    }
    prevT = s.t;
  }
}

/** MKT of samples[from, to), weights taken against the series' next sample (which may lie past `to`). */
function mktOf(
  samples: readonly Sample[],
  from: number,
  to: number,
  dt: number,
  e: number,
): { mktC: number; samples: number; coveredMs: number } {
  const weight = (i: number) => {
    const next = samples[i + 1];
    return next === undefined ? dt : Math.min(dt, next.t - (samples[i] as Sample).t);
  };
  let max = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) max = Math.max(max, -e / ((samples[i] as Sample).value + ZERO_CELSIUS_K));
  let sum = 0;
  let covered = 0;
  for (let i = from; i < to; i++) {
    const w = weight(i);
    covered += w;
    sum += w * Math.exp(-e / ((samples[i] as Sample).value + ZERO_CELSIUS_K) - max);
  }
  // ln(Σ w·e^a / Σ w) = max + ln(Σ w·e^(a - max)) - ln(Σ w)
  const lnMean = max + Math.log(sum) - Math.log(covered);
  return { mktC: e / -lnMean - ZERO_CELSIUS_K, samples: to - from, coveredMs: covered };
}
