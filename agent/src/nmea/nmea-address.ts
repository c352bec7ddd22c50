import { ColdtrailError, ErrorCode, isIdentifier } from '@coldtrail/core';

/** A GPS receiver talking NMEA 0183 on a serial line, parsed from `nmea:///dev/ttyAMA0?baud=9600`. */
export interface NmeaAddress {
  /** Serial device path (`/dev/ttyAMA0`), or a Windows port name from `nmea://COM3`. */
  path: string;
  /**
   * NMEA 0183 specifies 4800 baud (8N1, §4.1); the receiver modules a Pi carries (u-blox NEO-6/M8, MediaTek,
   * Quectel) ship at 9600, hence the default.
   */
  baudRate: number;
  /**
   * How long a read waits, in real (wall) milliseconds, for a position report when none arrived since the
   * last read. A receiver reports once a second; the default leaves room for one lost second.
   */
  timeoutMs: number;
  /** `sensor` of the samples; default `gps`. */
  sensor: string;
}

const PARAMS = ['baud', 'timeout', 'sensor'] as const;

function integer(text: string | null, fallback: number, min: number, max: number): number | undefined {
  if (text === null) return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** Parses and validates an `nmea:` address; throws INVALID_CONFIG listing every problem. */
export function parseNmeaAddress(address: string): NmeaAddress {
  const fail = (problems: string[]) =>
    new ColdtrailError(
      ErrorCode.InvalidConfig,
      `invalid NMEA address "${address}" (expected nmea:///dev/ttyAMA0?baud=9600):\n` +
        problems.map((p) => `  ${p}`).join('\n'),
      { details: { address, problems } },
    );
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw fail(['address: not a URL']);
  }
  const problems: string[] = [];
  if (url.protocol !== 'nmea:') problems.push(`scheme: must be nmea:, got ${url.protocol}`);
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
        `path: "${url.host}${path}" was read as host + path; write three slashes: nmea:///${url.host}${path}`,
      );
  }
  if (path === '' || path === '/')
    problems.push('path: the serial device is missing, e.g. nmea:///dev/ttyAMA0');
  const q = url.searchParams;
  for (const key of new Set(q.keys())) {
    if (!(PARAMS as readonly string[]).includes(key))
      problems.push(`${key}: unknown parameter (known: ${PARAMS.join(', ')})`);
    else if (q.getAll(key).length > 1) problems.push(`${key}: given more than once`);
  }
  const baudRate = integer(q.get('baud'), 9600, 50, 4_000_000);
  if (baudRate === undefined) problems.push('baud: must be an integer baud rate, e.g. 9600 or 4800');
  const timeoutMs = integer(q.get('timeout'), 2500, 1, 60_000);
  if (timeoutMs === undefined) problems.push('timeout: must be milliseconds, an integer 1..60000');
  const sensor = q.get('sensor') ?? 'gps';
  if (!isIdentifier(sensor))
    problems.push('sensor: must be 1-64 characters of A-Z a-z 0-9 . _ - (used in records)');
  if (problems.length > 0 || baudRate === undefined || timeoutMs === undefined) throw fail(problems);
  return { path, baudRate, timeoutMs, sensor };
}
