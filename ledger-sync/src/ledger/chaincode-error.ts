import { ColdtrailError, ErrorCode } from '@coldtrail/core';

/**
 * Turns a failed chaincode response back into a typed error. The contract starts every message with a code
 * word (`CONFLICT: ...`, see chaincode/src/errors.ts) because Fabric carries only the message text to the
 * client; anything else (the SPI's own "Expected 2 parameters", an unknown function) is invalid input.
 * Shared by every LedgerPort adapter so callers see the same codes from the embedded ledger and from Fabric.
 */
const CODES: Readonly<Record<string, ErrorCode>> = {
  INVALID_INPUT: ErrorCode.InvalidInput,
  NOT_FOUND: ErrorCode.NotFound,
  FORBIDDEN: ErrorCode.Forbidden,
  CONFLICT: ErrorCode.Conflict,
};

export function chaincodeError(
  fn: string,
  message: string,
  details: Record<string, unknown> = {},
): ColdtrailError {
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(message);
  const code = m ? CODES[m[1] as string] : undefined;
  const text = code && m ? (m[2] as string) : message || 'no message';
  return new ColdtrailError(code ?? ErrorCode.InvalidInput, `ledger refused ${fn}: ${text}`, {
    details: { fn, ...details },
  });
}
