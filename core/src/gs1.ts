import { ColdtrailError, ErrorCode } from './errors.js';

/**
 * GS1 identifiers. SSCC (Serial Shipping Container Code, AI 00): 18 digits = extension digit + GS1 company
 * prefix + serial reference + mod-10 check digit (GS1 General Specifications §7.9.1).
 */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  let sum = 0;
  // Weights 3,1,3,1... from the rightmost digit (excluding the check digit).
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    const d = digitsWithoutCheck.charCodeAt(digitsWithoutCheck.length - 1 - i) - 48;
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

export function isSscc(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{18}$/.test(value) &&
    gs1CheckDigit(value.slice(0, 17)) === Number(value.slice(17))
  );
}

/** Builds an SSCC from an extension digit, company prefix (7-10 digits) and serial reference. */
export function makeSscc(extension: number, companyPrefix: string, serial: number): string {
  if (!/^\d{7,10}$/.test(companyPrefix)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'GS1 company prefix must be 7 to 10 digits');
  }
  const serialDigits = 16 - companyPrefix.length;
  if (!Number.isSafeInteger(serial) || serial < 0 || String(serial).length > serialDigits) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `serial reference must fit in ${serialDigits} digits`);
  }
  if (!Number.isInteger(extension) || extension < 0 || extension > 9) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'SSCC extension digit must be 0-9');
  }
  const body = `${extension}${companyPrefix}${String(serial).padStart(serialDigits, '0')}`;
  return body + String(gs1CheckDigit(body));
}

/** Accepts a bare SSCC, `(00)`-prefixed, `urn:epc:id:sscc:` is left for the provenance resolver. */
export function parseSscc(input: string): string {
  const s = input.trim().replace(/^\(00\)/, '');
  if (!isSscc(s)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `"${input}" is not an SSCC: expected 18 digits with a valid GS1 check digit`,
    );
  }
  return s;
}
