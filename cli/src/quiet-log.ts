import type { Log } from '@coldtrail/ledger-sync';

/** For commands that run a service for one job: its progress stays quiet, its errors reach stderr. */
export const quietLog: Log = {
  info() {},
  warn() {},
  error(message: string, fields?: Record<string, unknown>) {
    process.stderr.write(`coldtrail: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  },
};
