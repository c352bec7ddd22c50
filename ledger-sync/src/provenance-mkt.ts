import {
  type ColdChainProfile,
  meanKineticTemperature,
  mktWindows,
  type ReadingRecord,
  type TimedValue,
  Unit,
} from '@coldtrail/core';

/** One sensor's mean kinetic temperature over the shipment and over each declared window. */
export interface SensorMkt {
  sensor: string;
  /** MKT over every temperature sample of the sensor in the shipment, °C. */
  overallC: number;
  samples: number;
  windows: {
    start: string;
    end: string;
    mktC: number;
    samples: number;
    /** Minutes of the window its samples cover (below the window where data is missing or the trip ended). */
    coveredMinutes: number;
    /** MKT above the profile's MKT limit; null when the profile declares none. */
    exceedsLimit: boolean | null;
  }[];
}

/**
 * Mean kinetic temperature (USP <1079.2>, ΔH/R = 10 000 K) of the shipment's temperature readings, per sensor,
 * over the profile's declared window (24 h for 2-8 °C, 30 days for room temperature). Reported beside the
 * excursions, never instead of them: an MKT within limits says nothing about a spike (reference README: one
 * hour at 20 °C still gives an MKT under 8 °C). Derived from the verified readings on every answer, never
 * stored, so nothing on the ledger can make it differ from them.
 */
export interface MktSummary {
  /** ΔH/R used, kelvin. */
  deltaHOverR: number;
  /** The profile's declared window; null when it declares none (then only the overall MKT is given). */
  windowHours: number | null;
  limitC: number | null;
  /** Some window's MKT lies above the limit. */
  exceeded: boolean;
  sensors: SensorMkt[];
}

/** Equal instants (a clock that stepped back) keep the warmer sample: MKT never comes out cooler for it. */
function temperatureSeries(records: readonly ReadingRecord[]): Map<string, TimedValue[]> {
  const bySensor = new Map<string, TimedValue[]>();
  for (const r of records) {
    if (r.kind !== 'temperature' || r.unit !== Unit.Celsius || typeof r.value !== 'number') continue;
    const series = bySensor.get(r.sensor) ?? [];
    series.push({ t: Date.parse(r.ts), value: r.value });
    bySensor.set(r.sensor, series);
  }
  for (const [sensor, series] of bySensor) {
    series.sort((a, b) => a.t - b.t || b.value - a.value);
    bySensor.set(
      sensor,
      series.filter((s, i) => i === 0 || (series[i - 1] as TimedValue).t !== s.t),
    );
  }
  return bySensor;
}

export function mktSummary(profile: ColdChainProfile, records: readonly ReadingRecord[]): MktSummary {
  const periodMs = profile.samplePeriodSeconds * 1000;
  const windowHours = profile.mkt?.windowHours ?? null;
  const limitC = profile.mkt?.limitC ?? null;
  const sensors: SensorMkt[] = [];
  for (const [sensor, series] of [...temperatureSeries(records)].sort(([a], [b]) => a.localeCompare(b))) {
    const overallC = meanKineticTemperature(series, periodMs);
    if (overallC === null) continue;
    const windows =
      windowHours === null
        ? []
        : mktWindows(series, periodMs, windowHours * 3_600_000).map((w) => ({
            start: new Date(w.start).toISOString(),
            end: new Date(w.end).toISOString(),
            mktC: w.mktC,
            samples: w.samples,
            coveredMinutes: w.coveredMs / 60_000,
            exceedsLimit: limitC === null ? null : w.mktC > limitC,
          }));
    sensors.push({ sensor, overallC, samples: series.length, windows });
  }
  return {
    deltaHOverR: 10_000,
    windowHours,
    limitC,
    exceeded: sensors.some((s) => s.windows.some((w) => w.exceedsLimit === true)),
    sensors,
  };
}
