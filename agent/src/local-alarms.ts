import { ExcursionDirection, type ShipmentProfile } from '@coldtrail/core';

/**
 * The agent's own evaluation of the shipment profile (DESIGN.md §4), one temperature sample at a time, so the
 * buzzer/LED and `.../alarms` fire while offline. It warns the people near the goods; it is not the evidence:
 * ledger-sync's excursion engine decides excursions from the signed readings.
 *
 * Two rules per sensor and direction (above `upperC`, below `lowerC`):
 * - instant: raised by the first sample strictly beyond the limit;
 * - single-event: raised once the continuous time beyond reaches `delayMinutes`, with core's semantics
 *   (excursion-rules.ts `detectSingleEvent`): a sample at t covers [t, t + period), a run of samples beyond is
 *   `lastT + period - start` long, and only a sample within the limit ends a run — a fault or a missing sample
 *   in between does not (conservative for medicines). The tests check it raises exactly for the excursions
 *   `detectSingleEvent` finds.
 * Both clear on the first sample back within the limit.
 *
 * The state is small and changes only when a run starts or ends or an alarm is raised or cleared, so it is
 * persisted only then (local-alarm-state.ts); after a restart a run goes on from its persisted start.
 */
export const AlarmRule = { Instant: 'instant', SingleEvent: 'single-event' } as const;
export type AlarmRule = (typeof AlarmRule)[keyof typeof AlarmRule];

export interface ActiveAlarm {
  sensor: string;
  rule: AlarmRule;
  direction: ExcursionDirection;
  /** The limit crossed, °C. */
  limit: number;
  /** Epoch ms of the first sample beyond the limit (start of the run). */
  since: number;
  /** Epoch ms of the sample that raised it. */
  raisedAt: number;
}

export interface AlarmTransition {
  event: 'raised' | 'cleared';
  alarm: ActiveAlarm;
  /** Epoch ms of the sample (or moment) that caused it. */
  at: number;
  /** The sample's value, °C; null when cleared by a profile change. */
  value: number | null;
  reason: 'beyond-limit' | 'delay-reached' | 'back-in-range' | 'profile-changed';
}

export interface EvaluatorState {
  /** Per sensor, the run of samples beyond a limit going on. */
  runs: Record<string, { direction: ExcursionDirection; start: number }>;
  active: ActiveAlarm[];
}

export const emptyEvaluatorState = (): EvaluatorState => ({ runs: {}, active: [] });

export class LocalAlarmEvaluator {
  readonly #profile: ShipmentProfile;
  readonly #periodMs: number;
  #state: EvaluatorState;

  /** `periodMs`: how long one sample covers (the sampling period). */
  constructor(profile: ShipmentProfile, periodMs: number, state: EvaluatorState = emptyEvaluatorState()) {
    if (!(periodMs > 0)) throw new RangeError('sample period must be positive');
    this.#profile = profile;
    this.#periodMs = periodMs;
    this.#state = structuredClone(state);
  }

  get state(): EvaluatorState {
    return structuredClone(this.#state);
  }

  get active(): readonly ActiveAlarm[] {
    return this.#state.active;
  }

  /** Feeds one temperature sample; returns what it raised or cleared (in that order of rules). */
  observe(sensor: string, t: number, value: number): { transitions: AlarmTransition[]; changed: boolean } {
    const p = this.#profile;
    const direction =
      value > p.upperC ? ExcursionDirection.Above : value < p.lowerC ? ExcursionDirection.Below : undefined;
    const out: AlarmTransition[] = [];
    let changed = false;
    const run = this.#state.runs[sensor];
    if (run && run.direction !== direction) {
      // Back in range (or jumped to the other side): the run and its alarms end.
      delete this.#state.runs[sensor];
      changed = true;
      for (const a of this.#state.active.filter(
        (x) => x.sensor === sensor && x.direction === run.direction,
      )) {
        out.push({ event: 'cleared', alarm: a, at: t, value, reason: 'back-in-range' });
      }
      this.#state.active = this.#state.active.filter(
        (x) => !(x.sensor === sensor && x.direction === run.direction),
      );
    }
    if (direction) {
      const limit = direction === ExcursionDirection.Above ? p.upperC : p.lowerC;
      let current = this.#state.runs[sensor];
      if (!current) {
        current = { direction, start: t };
        this.#state.runs[sensor] = current;
        changed = true;
      }
      const raise = (rule: AlarmRule, reason: AlarmTransition['reason']) => {
        if (this.#state.active.some((a) => a.sensor === sensor && a.rule === rule)) return;
        const alarm: ActiveAlarm = { sensor, rule, direction, limit, since: current.start, raisedAt: t };
        this.#state.active.push(alarm);
        out.push({ event: 'raised', alarm, at: t, value, reason });
        changed = true;
      };
      raise(AlarmRule.Instant, 'beyond-limit');
      if (t + this.#periodMs - current.start >= p.delayMinutes * 60_000) {
        raise(AlarmRule.SingleEvent, 'delay-reached');
      }
    }
    return { transitions: out, changed };
  }

  /** Ends every run and clears every alarm (the profile changed or the shipment ended). */
  clearAll(at: number): AlarmTransition[] {
    const out = this.#state.active.map(
      (alarm): AlarmTransition => ({ event: 'cleared', alarm, at, value: null, reason: 'profile-changed' }),
    );
    this.#state = emptyEvaluatorState();
    return out;
  }
}
