import type { Log } from '@coldtrail/core';

/**
 * The long-running commands' log: one JSON object per line (`{ts, level, service, message, ...fields}`) on
 * stderr, info included, so journald (or any collector) gets machine-readable lines. `ts` is wall time: with
 * no RTC it may be wrong until NTP or GPS sets the clock, which is why journald's own receive time is kept too.
 */
export function jsonLog(
  service: string,
  write: (line: string) => void = (l) => void process.stderr.write(l),
  now: () => number = Date.now,
): Log {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    let text: string;
    try {
      text = JSON.stringify({ ts: new Date(now()).toISOString(), level, service, message, ...fields });
    } catch {
      text = JSON.stringify({ ts: new Date(now()).toISOString(), level, service, message });
    }
    write(`${text}\n`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}
