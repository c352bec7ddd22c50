import { ColdtrailError, ErrorCode, isIdentifier } from '@coldtrail/core';

/**
 * The URL checks every sensor address (`modbus:`, `nmea:`, `gpio:`, `w1:`) shares: each parser collects every
 * problem as `path: message` (CONVENTIONS: configs report all problems at once) and throws one INVALID_CONFIG.
 */
export interface AddressForm {
  /** The URL scheme without the colon, e.g. `modbus`. */
  scheme: string;
  /** How the error names the address, e.g. `Modbus` in `invalid Modbus address "…"`. */
  label: string;
  /** What a valid address looks like, shown in the error, e.g. `modbus:///dev/ttyUSB0?baud=9600&unit=1`. */
  expected: string;
  /** The query parameters the scheme knows; any other is a problem. */
  params: readonly string[];
}

/** The INVALID_CONFIG error for `address`, listing every problem on its own line. */
export function addressError(form: AddressForm, address: string, problems: string[]): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.InvalidConfig,
    `invalid ${form.label} address "${address}" (expected ${form.expected}):\n` +
      problems.map((p) => `  ${p}`).join('\n'),
    { details: { address, problems } },
  );
}

/** Parses `address` as a URL (throwing when it is none) and starts its problem list with a wrong scheme. */
export function parseAddressUrl(address: string, form: AddressForm): { url: URL; problems: string[] } {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw addressError(form, address, ['address: not a URL']);
  }
  const problems: string[] = [];
  if (url.protocol !== `${form.scheme}:`)
    problems.push(`scheme: must be ${form.scheme}:, got ${url.protocol}`);
  return { url, problems };
}

/** Adds a problem for each unknown query parameter and each one given more than once. */
export function checkParams(query: URLSearchParams, form: AddressForm, problems: string[]): void {
  for (const key of new Set(query.keys())) {
    if (!form.params.includes(key))
      problems.push(`${key}: unknown parameter (known: ${form.params.join(', ')})`);
    else if (query.getAll(key).length > 1) problems.push(`${key}: given more than once`);
  }
}

/**
 * The serial device of `scheme:///dev/tty…` (or a Windows port name from `scheme://COM3`), %-decoded;
 * `example` is the device shown when it is missing.
 */
export function serialPath(url: URL, form: AddressForm, example: string, problems: string[]): string {
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // URIError: a % not followed by two hex digits, or escapes that are not UTF-8 (`%E0` alone).
    problems.push(`path: "${path}" has a malformed %-escape; write %25 for a literal %`);
  }
  if (url.host !== '') {
    if (path === '' || path === '/') path = url.host;
    else
      problems.push(
        `path: "${url.host}${path}" was read as host + path; write three slashes: ${form.scheme}:///${url.host}${path}`,
      );
  }
  if (path === '' || path === '/')
    problems.push(`path: the serial device is missing, e.g. ${form.scheme}://${example}`);
  return path;
}

/** A decimal integer in min..max, `fallback` when absent, undefined when invalid (the caller says why). */
export function integerParam(
  text: string | null,
  fallback: number,
  min: number,
  max: number,
): number | undefined {
  if (text === null) return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** One of `values`, `fallback` when absent, undefined when another text. */
export function oneOfParam<T extends string>(
  text: string | null,
  values: readonly T[],
  fallback: T,
): T | undefined {
  if (text === null) return fallback;
  return (values as readonly string[]).includes(text) ? (text as T) : undefined;
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/** `true`/`1` or `false`/`0`, `fallback` when absent, undefined when another text. */
export function booleanParam(text: string | null, fallback: boolean): boolean | undefined {
  return text === null ? fallback : Object.hasOwn(BOOLEANS, text) ? BOOLEANS[text] : undefined;
}

/** Adds a problem when `sensor` cannot name samples in records. */
export function checkSensor(sensor: string, problems: string[]): void {
  if (!isIdentifier(sensor))
    problems.push('sensor: must be 1-64 characters of A-Z a-z 0-9 . _ - (used in records)');
}
