import { jsonLineLog, type Log } from '@coldtrail/core';

export { type Log, silentLog } from '@coldtrail/core';

/** The agent's default log: warnings and errors as JSON lines on stderr (only the CLI picks another). */
export const stderrLog: Log = jsonLineLog('agent', (line) => process.stderr.write(line));

/** Error message of anything thrown, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
