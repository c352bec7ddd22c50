import type { Timer, TimerClock } from '@coldtrail/core';
import type { GpioLevel } from './gpio-port.js';

/**
 * Contact debouncing: a raw level counts only once it has held for `ms` without a change. A mechanical contact
 * (reed switch, micro switch) bounces for a few milliseconds on every make and break; each flip restarts the
 * wait, so a bounce burst yields one edge, and a flip that returns to the stable level before `ms` yields none.
 * `ms = 0` accepts every change at once. Runs on an injected timer clock, so tests drive it with `manualClock`.
 */
export class Debouncer {
  #stable: GpioLevel | undefined;
  #timer: Timer | undefined;
  /** The level the pending timer would accept. */
  #pending: GpioLevel | undefined;

  constructor(
    private readonly ms: number,
    private readonly timers: TimerClock,
    private readonly onEdge: (level: GpioLevel) => void,
  ) {}

  /** The debounced level; undefined until the first level is known. */
  get stable(): GpioLevel | undefined {
    return this.#stable;
  }

  /** Sets the starting level (the first read) if none is known yet: no edge for it. */
  start(level: GpioLevel): void {
    this.#stable ??= level;
  }

  /** A raw level seen on the line (possibly unchanged). */
  input(level: GpioLevel): void {
    if (this.#stable === undefined) {
      this.#stable = level;
      return;
    }
    // The same level seen again (a poll, a repeated interrupt) is no change: the wait goes on.
    if (this.#timer !== undefined && level === this.#pending) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (level === this.#stable) return;
    if (this.ms === 0) {
      this.#accept(level);
      return;
    }
    this.#pending = level;
    this.#timer = this.timers.setTimeout(() => this.#accept(level), this.ms, { unref: true });
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #accept(level: GpioLevel): void {
    this.#timer = undefined;
    this.#stable = level;
    this.onEdge(level);
  }
}
