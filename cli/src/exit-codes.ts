// core's errors module alone: the whole of core (zod schemas, curves) would slow every `coldtrail --help`.
import { type ErrorCode, isColdtrailError } from '@coldtrail/core/errors';

/**
 * Exit codes (documented in `coldtrail --help`): scripts branch on them.
 * 0 ok · 1 internal error · 2 usage or invalid input/config · 3 verification failed · 4 not found ·
 * 5 required tool or service unavailable · 130 interrupted.
 */
export const Exit = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  VerificationFailed: 3,
  NotFound: 4,
  Unavailable: 5,
  Interrupted: 130,
} as const;
export type Exit = (typeof Exit)[keyof typeof Exit];

/** A failure the CLI reports as a message (no stack) with a specific exit code. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: Exit,
    message: string,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

const BY_CODE: Record<ErrorCode, Exit> = {
  INVALID_INPUT: Exit.Usage,
  INVALID_CONFIG: Exit.Usage,
  BAD_SIGNATURE: Exit.VerificationFailed,
  BROKEN_CHAIN: Exit.VerificationFailed,
  BAD_ANCHOR: Exit.VerificationFailed,
  CORRUPTED: Exit.VerificationFailed,
  NOT_FOUND: Exit.NotFound,
  FORBIDDEN: Exit.Usage,
  CONFLICT: Exit.Usage,
  TIMEOUT: Exit.Unavailable,
  UNAVAILABLE: Exit.Unavailable,
};

/** Maps any thrown value to an exit code and a one-line message; `stack` only for unexpected errors. */
export function describeFailure(err: unknown): { exitCode: Exit; message: string; stack?: string } {
  if (err instanceof ExitError) return { exitCode: err.exitCode, message: err.message };
  if (isColdtrailError(err)) return { exitCode: BY_CODE[err.code], message: err.message };
  // better-sqlite3 reports a damaged or foreign file by SQLite's own codes: that is a verification failure of
  // the data at rest, not a bug in coldtrail.
  const sqliteCode = (err as { code?: unknown })?.code;
  if (typeof sqliteCode === 'string' && /^SQLITE_(NOTADB|CORRUPT)/.test(sqliteCode)) {
    return {
      exitCode: Exit.VerificationFailed,
      message: `a data file is damaged or not a coldtrail database (${sqliteCode}: ${(err as Error).message})`,
    };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    exitCode: Exit.Internal,
    message: `internal error: ${e.message}`,
    ...(e.stack ? { stack: e.stack } : {}),
  };
}
