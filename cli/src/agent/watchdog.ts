import type { Log } from '@coldtrail/core';
import type { Notifier } from './systemd-notify.js';

export interface WatchdogOptions {
  notifier: Notifier;
  /** The agent counts as healthy while its sampler made progress within this long. */
  stallAfterMs: number;
  log: Log;
  now?: () => number;
}

export interface Watchdog {
  /** Call on every sampler progress (a record stored). */
  progress(): void;
  stop(): void;
}

/**
 * Pets systemd's watchdog (WATCHDOG=1 at half of WatchdogSec) only while the sampler makes progress: a hung
 * serial read or a wedged event loop then stops the petting, and systemd restarts the agent (Restart=on-failure)
 * instead of it running on while recording nothing. A stalled-but-alive process is exactly what a
 * liveness-only ping would miss.
 */
export function startWatchdog(o: WatchdogOptions): Watchdog {
  const now = o.now ?? Date.now;
  let last = now();
  let stalled = false;
  const every = o.notifier.watchdogEveryMs;
  const timer =
    every === undefined
      ? undefined
      : setInterval(() => {
          const idle = now() - last;
          if (idle <= o.stallAfterMs) {
            void o.notifier.watchdog();
            return;
          }
          if (!stalled) {
            stalled = true;
            o.log.error('sampler made no progress: no longer petting the systemd watchdog', { idleMs: idle });
          }
        }, every);
  timer?.unref();
  return {
    progress() {
      last = now();
      if (stalled) {
        stalled = false;
        o.log.warn('sampler made progress again; petting the systemd watchdog');
      }
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
