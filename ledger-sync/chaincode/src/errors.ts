/**
 * Contract errors. Every message starts with the same stable code words core's ErrorCode uses
 * (`CONFLICT: ...`): Fabric hands a client only the message string of a failed transaction, so the code
 * travels inside it and the ledger adapters turn it back into a typed error.
 */
export const ContractErrorCode = {
  InvalidInput: 'INVALID_INPUT',
  NotFound: 'NOT_FOUND',
  Forbidden: 'FORBIDDEN',
  Conflict: 'CONFLICT',
} as const;
export type ContractErrorCode = (typeof ContractErrorCode)[keyof typeof ContractErrorCode];

export class ContractError extends Error {
  readonly code: ContractErrorCode;

  constructor(code: ContractErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ContractError';
    this.code = code;
  }
}

export function invalid(message: string): never {
  throw new ContractError(ContractErrorCode.InvalidInput, message);
}

export function notFound(message: string): never {
  throw new ContractError(ContractErrorCode.NotFound, message);
}

export function forbidden(message: string): never {
  throw new ContractError(ContractErrorCode.Forbidden, message);
}

export function conflict(message: string): never {
  throw new ContractError(ContractErrorCode.Conflict, message);
}
