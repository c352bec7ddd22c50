import { appendFileSync } from 'node:fs';

/** The log shape every service takes: `(message|event, fields)`. */
export interface ServiceLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface FileLog {
  for(service: string): ServiceLog;
  /** Warnings and errors written so far. */
  readonly problems: number;
  readonly path: string;
}

/**
 * Service logs of a demo run go to one JSON-lines file in the data directory, so the live status line and the
 * --json output stay clean; the summary says how many warnings there were and where to read them.
 */
export function createFileLog(path: string, clock: () => number): FileLog {
  let problems = 0;
  const write = (level: string, service: string, message: string, fields?: Record<string, unknown>) => {
    if (level !== 'info') problems++;
    const line = { at: new Date(clock()).toISOString(), level, service, message, ...fields };
    appendFileSync(path, `${JSON.stringify(line)}\n`);
  };
  return {
    for: (service) => ({
      info: (m, f) => write('info', service, m, f),
      warn: (m, f) => write('warn', service, m, f),
      error: (m, f) => write('error', service, m, f),
    }),
    get problems() {
      return problems;
    },
    path,
  };
}
