/**
 * Where a service reports what it did: a plain interface so the CLI decides where logs go and tests can
 * collect them; no service writes to the process's streams on its own.
 */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };

/**
 * One JSON line per warning or error (`{level, service, message, ...fields}`), handed to `write`; info is
 * dropped. Services build their default stderr log from this.
 */
export function jsonLineLog(service: string, write: (line: string) => void): Log {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    write(`${JSON.stringify({ level, service, message, ...fields })}\n`);
  return {
    info() {},
    warn: (message, fields) => line('warn', message, fields),
    error: (message, fields) => line('error', message, fields),
  };
}
