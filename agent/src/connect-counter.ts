import { join } from 'node:path';
import { moveAside, readFileIfExists, writeFileAtomic } from './atomic-file.js';
import type { Log } from './log.js';

/** File in the data directory holding the last connect-token counter used. */
export const CONNECT_COUNTER_FILE = 'connect-counter.json';

/**
 * The per-device counter signed into v2 connect tokens (core connect-token.ts): strictly increasing across
 * restarts and power cuts, because the broker admits a token from a wrong clock only if its counter is above the
 * last one it accepted. Each value is written durably (atomic replace) BEFORE it is used, so a crash can skip
 * values but never reuse one.
 *
 * With no valid file (first start, or a damaged file moved aside) the counter starts at the wall clock in ms:
 * on a first start any value is above the broker's nothing, and after a lost file it is above every counter of
 * the old file as long as the clock is not behind the time that file was started (counters grow by one per
 * connect, far slower than milliseconds). If the clock is behind too, the agent connects once the clock is
 * within the broker's window (NTP) — the same as a v1 token.
 */
export interface ConnectCounter {
  next(): number;
}

export function openConnectCounter(dataDir: string, wallNow: () => number, log: Log): ConnectCounter {
  const path = join(dataDir, CONNECT_COUNTER_FILE);
  let last: number | undefined;
  const text = readFileIfExists(path);
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as { v?: unknown; counter?: unknown };
      if (parsed.v === 1 && Number.isSafeInteger(parsed.counter) && (parsed.counter as number) > 0) {
        last = parsed.counter as number;
      }
    } catch {
      // damaged: handled below
    }
    if (last === undefined) {
      const aside = moveAside(path, wallNow());
      log.error('connect counter file was damaged; moved aside, counting on from the wall clock', { aside });
    }
  }
  return {
    next() {
      const n = last === undefined ? Math.max(1, Math.floor(wallNow())) : last + 1;
      writeFileAtomic(path, `${JSON.stringify({ v: 1, counter: n })}\n`);
      last = n;
      return n;
    },
  };
}
