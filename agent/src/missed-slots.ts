import { FaultCode, type Sample } from '@coldtrail/core';
import { AGENT_SENSOR } from './agent-sensor.js';

/** Default for the most `missed-slot` records one stall writes per sensor. */
export const MISSED_SLOT_LIMIT = 10;

/**
 * The `missed-slot` fault records for `count` consecutive slots of one source that were not sampled, the
 * first at `firstSlot`, `intervalMs` apart (DESIGN.md §2.2: a failed read is a record, never a silent gap).
 *
 * A fault record has no count field, so the policy bounds the outbox instead: one record per missed slot and
 * sensor, stamped at the slot's own time, for up to `limit` slots; a longer stall writes `limit - 1` of those
 * and one more at the next missed slot that stands for the rest of the stall. A sample covers [t, t+dt) up
 * to the next record of its sensor, which the sampler writes right after, so the last fault covers the whole
 * remainder: a day-long suspend at 1-minute slots writes 10 records per sensor, not 1,440.
 *
 * `sensors` are the sensor ids the source reported last (so each sensor's gap shows on its own series);
 * before its first read a source is unknown and the agent's own sensor id stands in.
 */
export function missedSlotFaults(
  firstSlot: number,
  count: number,
  intervalMs: number,
  sensors: readonly string[],
  limit: number = MISSED_SLOT_LIMIT,
): { ts: number; samples: Sample[] }[] {
  const ids = sensors.length > 0 ? sensors : [AGENT_SENSOR];
  const n = Math.min(count, Math.max(1, limit));
  const out: { ts: number; samples: Sample[] }[] = [];
  for (let k = 0; k < n; k++) {
    const last = k === n - 1 && count > n;
    const message = last
      ? `${count - k} sampling slots missed from here on (stall or clock step)`
      : 'sampling slot missed (stall or clock step)';
    out.push({
      ts: firstSlot + k * intervalMs,
      samples: ids.map((sensor) => ({ sensor, kind: 'fault', fault: FaultCode.MissedSlot, message })),
    });
  }
  return out;
}
