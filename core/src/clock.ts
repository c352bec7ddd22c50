/**
 * Time comes in from outside so simulated shipments can run faster than real time and tests can use fake
 * timers. `now()` is epoch milliseconds in the clock's own (possibly simulated) time; `sleep(ms)` waits for
 * `ms` of that time.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
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

export const systemClock: Clock = { now: () => Date.now(), sleep: realSleep };

/**
 * Simulated time: starts at `start` (epoch ms) and runs `speed` times faster than the wall clock.
 * Two components sharing one ScaledClock agree on the simulated time.
 */
export function scaledClock(start: number, speed: number, wall: () => number = Date.now): Clock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError('speed must be a positive finite number');
  const wallStart = wall();
  return {
    now: () => start + (wall() - wallStart) * speed,
    sleep: (ms, signal) => realSleep(ms / speed, signal),
  };
}

/**
 * `clock`, but never earlier than `floor` (epoch ms): for a process that must not date an event before one it
 * already knows of (closing a shipment whose readings carry simulated, later times).
 */
export function notBefore(floor: number, clock: Clock = systemClock): Clock {
  return { now: () => Math.max(clock.now(), floor), sleep: (ms, signal) => clock.sleep(ms, signal) };
}
