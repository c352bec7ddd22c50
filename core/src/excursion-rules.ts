/**
 * Excursion rules over temperature samples (DESIGN §4). A sample taken at t covers [t, t + period).
 *
 * single-event: an excursion is a run of consecutive samples beyond the limit whose continuous time beyond
 * (from the first sample's t to the last sample's t + period) is at least `delayMs`. Shorter runs (spikes)
 * raise no alarm. A run is continuous only while each sample starts where the previous one's coverage ends
 * (within half a period); a gap in the data ends the run, and the gap itself is reported by fault records.
 */
export interface TimedValue {
  /** Epoch milliseconds. */
  t: number;
  value: number;
}

export const ExcursionDirection = { Above: 'above', Below: 'below' } as const;
export type ExcursionDirection = (typeof ExcursionDirection)[keyof typeof ExcursionDirection];

export interface SingleEventRule {
  kind: 'single-event';
  /** Limit in the samples' unit (°C); a value strictly beyond it counts. */
  limit: number;
  direction: ExcursionDirection;
  /** Minimum continuous time beyond the limit before it is an excursion. */
  delayMs: number;
}

export interface Excursion {
  rule: 'single-event';
  direction: ExcursionDirection;
  limit: number;
  /** Epoch ms of the first sample beyond the limit. */
  start: number;
  /** Epoch ms where the last sample's coverage ends. */
  end: number;
  durationMs: number;
  /** Most extreme value during the excursion (max above, min below). */
  maxValue: number;
  samples: number;
}

function beyond(value: number, rule: SingleEventRule): boolean {
  return rule.direction === 'above' ? value > rule.limit : value < rule.limit;
}

/** Samples must be sorted by time. */
export function detectSingleEvent(
  samples: readonly TimedValue[],
  rule: SingleEventRule,
  periodMs: number,
): Excursion[] {
  if (!(periodMs > 0)) throw new RangeError('sample period must be positive');
  const out: Excursion[] = [];
  let run: { start: number; lastT: number; extreme: number; n: number } | undefined;
  const flush = () => {
    if (!run) return;
    const end = run.lastT + periodMs;
    if (end - run.start >= rule.delayMs) {
      out.push({
        rule: 'single-event',
        direction: rule.direction,
        limit: rule.limit,
        start: run.start,
        end,
        durationMs: end - run.start,
        maxValue: run.extreme,
        samples: run.n,
      });
    }
    run = undefined;
  };
  for (const s of samples) {
    if (run && s.t - (run.lastT + periodMs) > periodMs / 2) flush();
    if (beyond(s.value, rule)) {
      if (!run) run = { start: s.t, lastT: s.t, extreme: s.value, n: 1 };
      else {
        run.lastT = s.t;
        run.n++;
        run.extreme =
          rule.direction === 'above' ? Math.max(run.extreme, s.value) : Math.min(run.extreme, s.value);
      }
    } else {
      flush();
    }
  }
  flush();
  return out;
}
