import type { Log } from '@coldtrail/core';

/**
 * Structured log sink. `event` is a stable kebab-case name (`connect-refused`, `batch-refused`, ...), fields
 * carry the device, client id and reason. Injected so tests can assert on it and the CLI can route it.
 */
export type BrokerLog = Log;

function line(level: string, event: string, fields?: Record<string, unknown>): string {
  return JSON.stringify({ level, component: 'broker', event, ...fields });
}

/** Default sink: one JSON line per event on stderr (stdout stays free for a CLI's `--json` output). */
export const stderrLog: BrokerLog = {
  info: (event, fields) => console.error(line('info', event, fields)),
  warn: (event, fields) => console.error(line('warn', event, fields)),
  error: (event, fields) => console.error(line('error', event, fields)),
};
