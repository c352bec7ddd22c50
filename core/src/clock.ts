/**
 * Time comes in from outside so simulated shipments can run faster than real time and tests can use fake
 * timers. `now()` is epoch milliseconds in the clock's own (possibly simulated) time; `sleep(ms)` waits for
 * `ms` of that time.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A pending timer; `cancel()` is idempotent and harmless after the timer fired. */
export interface Timer {
  cancel(): void;
}

export interface TimerOptions {
  /** Do not keep the process alive for this timer alone (Node's `unref`). Default false. */
  unref?: boolean;
}

/**
 * A clock that also schedules: every timeout and interval of a service comes from one of these, never from
 * the global `setTimeout`/`Date.now`, so a test drives them with `manualClock`. Network timeouts (MQTT resend,
 * gap grace, retries) run on a timer clock of their own, the system clock by default, so a simulation's speed
 * (`scaledClock`) never shortens them.
 */
export interface TimerClock extends Clock {
  /** Calls `fn` once after `ms` of this clock's time. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer;
  /** Calls `fn` every `ms` of this clock's time until cancelled. */
  setInterval(fn: () => void, ms: number, options?: TimerOptions): Timer;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(t);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function realTimeout(fn: () => void, ms: number, options?: TimerOptions): Timer {
  const t = setTimeout(fn, Math.max(0, ms));
  if (options?.unref) t.unref();
  return { cancel: () => clearTimeout(t) };
}

function realInterval(fn: () => void, ms: number, options?: TimerOptions): Timer {
  const t = setInterval(fn, Math.max(1, ms));
  if (options?.unref) t.unref();
  return { cancel: () => clearInterval(t) };
}

export const systemClock: TimerClock = {
  now: () => Date.now(),
  sleep: realSleep,
  setTimeout: realTimeout,
  setInterval: realInterval,
};

/**
 * Simulated time: starts at `start` (epoch ms) and runs `speed` times faster than the wall clock.
 * Two components sharing one ScaledClock agree on the simulated time.
 */
export function scaledClock(start: number, speed: number, wall: () => number = Date.now): TimerClock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError('speed must be a positive finite number');
  const wallStart = wall();
  return {
    now: () => start + (wall() - wallStart) * speed,
    sleep: (ms, signal) => realSleep(ms / speed, signal),
    setTimeout: (fn, ms, options) => realTimeout(fn, ms / speed, options),
    setInterval: (fn, ms, options) => realInterval(fn, ms / speed, options),
  };
}

/**
 * `clock`, but never earlier than `floor` (epoch ms): for a process that must not date an event before one it
 * already knows of (closing a shipment whose readings carry simulated, later times).
 */
export function notBefore(floor: number, clock: Clock = systemClock): Clock {
  return { now: () => Math.max(clock.now(), floor), sleep: (ms, signal) => clock.sleep(ms, signal) };
}

/** A clock for tests: time stands still until `advance(ms)`, which fires what falls due, in time order. */
export interface ManualClock extends TimerClock {
  /** Moves time forward by `ms`, running every timer and sleep due on the way, each at its own time. */
  advance(ms: number): void;
  /** Timers and sleeps still waiting. */
  pending(): number;
}

export function manualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; every: number | undefined; fn: () => void }>();
  const schedule = (fn: () => void, ms: number, every?: number): Timer => {
    const id = nextId++;
    timers.set(id, { at: now + Math.max(0, ms), every, fn });
    return { cancel: () => void timers.delete(id) };
  };
  const due = (until: number) => {
    let best: [number, { at: number; every: number | undefined; fn: () => void }] | undefined;
    for (const entry of timers) {
      if (entry[1].at <= until && (!best || entry[1].at < best[1].at)) best = entry;
    }
    return best;
  };
  return {
    now: () => now,
    setTimeout: (fn, ms) => schedule(fn, ms),
    setInterval: (fn, ms) => schedule(fn, ms, Math.max(1, ms)),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const done = () => {
          timer.cancel();
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = schedule(done, ms);
        signal?.addEventListener('abort', done, { once: true });
      }),
    advance(ms) {
      const until = now + Math.max(0, ms);
      for (let next = due(until); next; next = due(until)) {
        const [id, t] = next;
        now = Math.max(now, t.at);
        if (t.every === undefined) timers.delete(id);
        else t.at += t.every;
        t.fn();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}
