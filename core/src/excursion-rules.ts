/**
 * Excursion rules over temperature samples (DESIGN §4). A sample taken at t covers [t, t + period).
 *
 * single-event: an excursion is a run of consecutive samples beyond the limit whose continuous time beyond
 * (from the first sample's t to the last sample's t + period) is at least `delayMs`. Shorter runs (spikes)
 * raise no alarm. Only a sample within the limit ends a run: a gap in the data (a probe fault, a lost
 * sample) between two samples beyond the limit is counted as beyond, because nothing shows the product came
 * back in range — the conservative reading for medicines (a fault every few minutes must not hide an hours-long
 * excursion). `gapMs` reports how much of the duration had no sample, so the gap is visible, not hidden.
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
  /** Time within [start, end) not covered by any sample (data gaps bridged by the run). */
  gapMs: number;
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
  let run: { start: number; lastT: number; extreme: number; n: number; gapMs: number } | undefined;
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
        gapMs: run.gapMs,
      });
    }
    run = undefined;
  };
  for (const s of samples) {
    if (beyond(s.value, rule)) {
      if (!run) run = { start: s.t, lastT: s.t, extreme: s.value, n: 1, gapMs: 0 };
      else {
        // Coverage of the previous sample ends at lastT + period; anything up to this sample is a gap.
        run.gapMs += Math.max(0, s.t - (run.lastT + periodMs));
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
