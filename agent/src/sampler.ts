import { type Clock, FaultCode, type Sample } from '@coldtrail/core';
import { AGENT_SENSOR } from './agent-sensor.js';
import { errorMessage, type Log } from './log.js';
import type { SensorSource } from './sensor-source.js';

export interface SamplerOptions {
  clock: Clock;
  periodMs: number;
  sources: readonly SensorSource[];
  /** Called once per polling cycle with every source's samples and the cycle's timestamp (clock time). */
  onSamples(samples: Sample[], ts: number): Promise<void> | void;
  log: Log;
  signal: AbortSignal;
}

/**
 * Polls every source on the injected clock: cycle k is due at t0 + k * period (no drift from read time). A
 * cycle that overran, or a clock that stepped forward, skips the slots it missed rather than bursting to catch
 * up. A clock that stepped backwards (NTP or GPS correction) restarts the schedule from now, so sampling never
 * pauses for the size of the step. Runs until `signal` aborts; never rejects for sensor trouble.
 */
export async function runSampler(o: SamplerOptions): Promise<void> {
  let t0 = o.clock.now();
  let k = 0;
  while (!o.signal.aborted) {
    const now = o.clock.now();
    let wait = t0 + k * o.periodMs - now;
    // Slot k is at most one period after the previous cycle began; a longer wait means the clock went back.
    if (wait > o.periodMs) {
      t0 = now;
      k = 0;
      wait = 0;
    }
    if (wait > 0) await o.clock.sleep(wait, o.signal);
    if (o.signal.aborted) return;
    const ts = o.clock.now();
    const samples = await readAll(o.sources, o.signal, o.log);
    if (o.signal.aborted) return;
    try {
      await o.onSamples(samples, ts);
    } catch (err) {
      o.log.error('could not record samples', { error: errorMessage(err) });
    }
    k = Math.max(k + 1, Math.ceil((o.clock.now() - t0) / o.periodMs));
  }
}

/** Reads every source at once. A source that breaks its contract (rejects) yields a fault, not a crash. */
async function readAll(sources: readonly SensorSource[], signal: AbortSignal, log: Log): Promise<Sample[]> {
  const results = await Promise.all(
    sources.map(async (source): Promise<Sample[]> => {
      try {
        const samples = await source.read(signal);
        if (!Array.isArray(samples)) throw new Error('read() did not return an array of samples');
        return samples;
      } catch (err) {
        if (!signal.aborted) {
          log.error('sensor source failed; recorded as a fault', {
            address: source.address,
            error: errorMessage(err),
          });
        }
        return [
          { sensor: AGENT_SENSOR, kind: 'fault', fault: FaultCode.Disconnected, message: errorMessage(err) },
        ];
      }
    }),
  );
  return results.flat();
}
