/**
 * Typed errors shared by every service. `code` is stable (tests, logs and the CLI's exit codes key on it);
 * `message` says what happened and what to do about it.
 */
export const ErrorCode = {
  /** Input from outside (file, payload, argument) is malformed. */
  InvalidInput: 'INVALID_INPUT',
  /** A config file or option failed validation. */
  InvalidConfig: 'INVALID_CONFIG',
  /** A signature did not verify. */
  BadSignature: 'BAD_SIGNATURE',
  /** A hash chain does not link (record hash, prev pointer or sequence). */
  BrokenChain: 'BROKEN_CHAIN',
  /** A Merkle proof or anchored root does not match. */
  BadAnchor: 'BAD_ANCHOR',
  /** Something asked for is not there (device, shipment, file). */
  NotFound: 'NOT_FOUND',
  /** The caller is not allowed to do this (ACL, custody, ownership). */
  Forbidden: 'FORBIDDEN',
  /** A conflicting state (duplicate registration, sequence gap, MVCC conflict). */
  Conflict: 'CONFLICT',
  /** A device did not answer in time. */
  Timeout: 'TIMEOUT',
  /** A stored ledger or reading store failed an integrity check. */
  Corrupted: 'CORRUPTED',
  /** A required tool or service is unavailable. */
  Unavailable: 'UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ColdtrailError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ColdtrailError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isColdtrailError(err: unknown, code?: ErrorCode): err is ColdtrailError {
  return err instanceof ColdtrailError && (code === undefined || err.code === code);
}
