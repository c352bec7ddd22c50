import type { Sample } from '@coldtrail/core';
import { z } from 'zod';

/** `500ms`, `30s`, `5m`, `1h30m` (or a plain number of milliseconds): what a technician writes in agent.yaml. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|d|h|m|s))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/g;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function durationMs(text: string): number {
  const t = text.trim();
  if (!DURATION.test(t)) return Number.NaN;
  let total = 0;
  for (const m of t.matchAll(DURATION_PART)) total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return Math.round(total);
}

/** A sampling interval in milliseconds, written as a number of ms or a duration string; at least 1 ms. */
export const IntervalSchema = z
  .union([z.number(), z.string()])
  // A check, not a failing transform: inside the `sources` union zod then reports this message at its path
  // instead of a bare "Invalid input" for the whole entry.
  .superRefine((v, ctx) => {
    const ms = typeof v === 'number' ? v : durationMs(v);
    if (!Number.isSafeInteger(ms) || ms < 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a whole number of milliseconds >= 1 or a duration such as 500ms, 30s, 5m, 1h30m',
      });
    }
  })
  .transform((v) => (typeof v === 'number' ? v : durationMs(v)));

/**
 * One `sources` entry: a plain address URL (sampled every `samplePeriodMs`), or an object with its own
 * `interval` and a `fastInterval` used while the source's last temperature is out of range.
 */
export const SourceEntrySchema = z.union(
  [
    z.string().min(1),
    z
      .object({
        address: z.string().min(1),
        interval: IntervalSchema.optional(),
        fastInterval: IntervalSchema.optional(),
      })
      .strict()
      .refine(
        (s) => s.fastInterval === undefined || s.interval === undefined || s.fastInterval <= s.interval,
        {
          path: ['fastInterval'],
          message: 'must not be longer than interval',
        },
      ),
  ],
  { error: 'must be an address URL, or {address, interval, fastInterval}' },
);
export type SourceEntry = z.output<typeof SourceEntrySchema>;

/** Temperature limits (°C) outside which a source is sampled at its `fastInterval`. */
export const AlarmLimitsSchema = z
  .object({ lowerC: z.number(), upperC: z.number() })
  .strict()
  .refine((l) => l.lowerC < l.upperC, { path: ['upperC'], message: 'must be above lowerC' });
export type AlarmLimits = z.output<typeof AlarmLimitsSchema>;

/** A source's address and its resolved sampling intervals (ms). */
export interface SourceSchedule {
  address: string;
  intervalMs: number;
  /** While `outOfRange` holds for the source's last samples; absent: always `intervalMs`. */
  fastIntervalMs?: number;
}

/** The schedules of configured sources; plain addresses take `samplePeriodMs`. */
export function sourceSchedules(cfg: {
  sources: readonly SourceEntry[];
  samplePeriodMs: number;
}): SourceSchedule[] {
  return cfg.sources.map((s) => {
    if (typeof s === 'string') return { address: s, intervalMs: cfg.samplePeriodMs };
    const intervalMs = s.interval ?? cfg.samplePeriodMs;
    const out: SourceSchedule = { address: s.address, intervalMs };
    if (s.fastInterval !== undefined) out.fastIntervalMs = Math.min(s.fastInterval, intervalMs);
    return out;
  });
}

/**
 * Decides fast sampling from a source's last measured samples. Injected into the sampler so the local alarm
 * evaluation (a shipment profile) can take over from the plain limits later.
 */
export type OutOfRange = (address: string, lastMeasured: readonly Sample[]) => boolean;

/** Out of range while any of the source's last temperatures lies outside [lowerC, upperC]. */
export function limitsOutOfRange(limits: AlarmLimits | undefined): OutOfRange {
  if (!limits) return () => false;
  return (_address, last) =>
    last.some((s) => s.kind === 'temperature' && (s.value < limits.lowerC || s.value > limits.upperC));
}
