import { type Clock, FaultCode, type Sample } from '@coldtrail/core';
import { AGENT_SENSOR } from './agent-sensor.js';
import { errorMessage, type Log } from './log.js';
import { MISSED_SLOT_LIMIT, missedSlotFaults } from './missed-slots.js';
import type { OutOfRange } from './sampling-config.js';
import type { SensorSource } from './sensor-source.js';

/** A source with its own sampling intervals (ms). */
export interface ScheduledSource {
  source: SensorSource;
  intervalMs: number;
  /** Used while `outOfRange` holds for the source's last measured samples. */
  fastIntervalMs?: number;
}

export interface SamplerOptions {
  clock: Clock;
  /** Interval of sources given without one. */
  periodMs?: number;
  sources: readonly (SensorSource | ScheduledSource)[];
  /** Whether a source is out of range (fast sampling); default never. */
  outOfRange?: OutOfRange;
  /** Most `missed-slot` records per sensor and stall (missed-slots.ts); default MISSED_SLOT_LIMIT. */
  missedSlotLimit?: number;
  /** Called with the samples to record and their timestamp (clock time), in timestamp order. */
  onSamples(samples: Sample[], ts: number): Promise<void> | void;
  /** Called after each source's read with its samples (health and last values for status.json). */
  onRead?(address: string, samples: readonly Sample[], ts: number): void;
  log: Log;
  signal: AbortSignal;
}

interface State extends ScheduledSource {
  /** Time of the next slot. */
  next: number;
  /** The slot being sampled. */
  slot: number;
  lastMeasured: Sample[];
  sensors: string[];
  fast: boolean;
}

const intervalOf = (s: State) => (s.fast && s.fastIntervalMs ? s.fastIntervalMs : s.intervalMs);

/**
 * Polls each source on its own grid of slots on the injected clock: slot k+1 is one interval after slot k
 * (no drift from read time); the interval is the source's `fastIntervalMs` while `outOfRange` holds for its
 * last measured samples. Sources due together are read at once and recorded in one call (one transaction).
 *
 * Slot s covers [s, s + interval): it is sampled if a read starts inside it. A slot that passed unsampled
 * (the process stalled or was suspended, a read overran, the clock stepped forward) is recorded as
 * `missed-slot` faults (missed-slots.ts bounds how many), before the current slot is read without delay.
 * A clock that stepped backwards (NTP or GPS correction) restarts the grid from now, so sampling never pauses
 * for the size of the step. Runs until `signal` aborts; never rejects for sensor trouble.
 */
export async function runSampler(o: SamplerOptions): Promise<void> {
  const start = o.clock.now();
  const states: State[] = o.sources.map((s) => {
    const scheduled: ScheduledSource = 'source' in s ? s : { source: s, intervalMs: o.periodMs ?? 60_000 };
    return { ...scheduled, next: start, slot: start, lastMeasured: [], sensors: [], fast: false };
  });
  if (states.length === 0) return;
  const record = async (samples: Sample[], ts: number) => {
    try {
      await o.onSamples(samples, ts);
    } catch (err) {
      o.log.error('could not record samples', { error: errorMessage(err) });
    }
  };
  while (!o.signal.aborted) {
    const before = o.clock.now();
    // A next slot more than one interval ahead means the clock went back.
    for (const s of states) if (s.next - before > intervalOf(s)) s.next = before;
    const wake = Math.min(...states.map((s) => s.next));
    if (wake > before) await o.clock.sleep(wake - before, o.signal);
    if (o.signal.aborted) return;
    const now = o.clock.now();
    const due = states.filter((s) => s.next <= now);
    if (due.length === 0) continue; // woke early: the clock stepped back meanwhile
    const missed: { ts: number; samples: Sample[] }[] = [];
    for (const s of due) {
      const iv = intervalOf(s);
      const behind = Math.floor((now - s.next) / iv);
      s.slot = s.next + behind * iv;
      if (behind === 0) continue;
      o.log.warn('sampling slots missed (process stalled or clock stepped); recorded as faults', {
        address: s.source.address,
        slots: behind,
        from: new Date(s.next).toISOString(),
      });
      missed.push(...missedSlotFaults(s.next, behind, iv, s.sensors, o.missedSlotLimit ?? MISSED_SLOT_LIMIT));
    }
    for (const group of mergeByTs(missed)) await record(group.samples, group.ts);
    const results = await Promise.all(due.map((s) => readOne(s.source, o.signal, o.log)));
    if (o.signal.aborted) return;
    due.forEach((s, i) => {
      const samples = results[i]!;
      const measured = samples.filter((x) => x.kind !== 'fault');
      if (measured.length > 0) s.lastMeasured = measured;
      const sensors = [...new Set(samples.map((x) => x.sensor).filter((id) => id !== AGENT_SENSOR))];
      if (sensors.length > 0) s.sensors = sensors;
      s.fast = s.fastIntervalMs !== undefined && (o.outOfRange?.(s.source.address, s.lastMeasured) ?? false);
      s.next = s.slot + intervalOf(s);
      o.onRead?.(s.source.address, samples, now);
    });
    await record(results.flat(), now);
  }
}

/** Missed-slot groups of several sources, merged per timestamp and in time order. */
function mergeByTs(groups: { ts: number; samples: Sample[] }[]): { ts: number; samples: Sample[] }[] {
  const byTs = new Map<number, Sample[]>();
  for (const g of groups) byTs.set(g.ts, [...(byTs.get(g.ts) ?? []), ...g.samples]);
  return [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([ts, samples]) => ({ ts, samples }));
}

/** Reads one source. A source that breaks its contract (rejects) yields a fault, not a crash. */
async function readOne(source: SensorSource, signal: AbortSignal, log: Log): Promise<Sample[]> {
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
}
