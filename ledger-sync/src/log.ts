/**
 * Where ledger-sync reports what it did. Plain interface so the CLI can render it and tests can collect it;
 * the service itself never decides where logs go (only the CLI touches the process's streams).
 */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };

/** One JSON line per warning or error on stderr; info is dropped. The default when no log is given. */
export const stderrLog: Log = {
  info() {},
  warn: (message, fields) => writeLine('warn', message, fields),
  error: (message, fields) => writeLine('error', message, fields),
};

function writeLine(level: string, message: string, fields?: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level, service: 'ledger-sync', message, ...fields })}\n`);
}
