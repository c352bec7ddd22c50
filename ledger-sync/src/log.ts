import { jsonLineLog, type Log } from '@coldtrail/core';

export { type Log, silentLog } from '@coldtrail/core';

/** ledger-sync's default log: warnings and errors as JSON lines on stderr. */
export const stderrLog: Log = jsonLineLog('ledger-sync', (line) => process.stderr.write(line));
