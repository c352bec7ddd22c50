import type { Log } from '@coldtrail/core';

/**
 * The server's log: one JSON line per event on stderr, info included (a long-running process is watched
 * through its log), each with its time and the component that wrote it. stdout stays for the MQTT URL.
 */
export function serverLog(
  component: string,
  write: (line: string) => void = (line) => void process.stderr.write(line),
  now: () => number = Date.now,
): Log {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(`${JSON.stringify({ ts: new Date(now()).toISOString(), level, component, message, ...fields })}\n`);
  return { info: line('info'), warn: line('warn'), error: line('error') };
}
