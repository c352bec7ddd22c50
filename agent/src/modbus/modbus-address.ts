import { ColdtrailError, ErrorCode, isIdentifier } from '@coldtrail/core';

/** A Modbus RTU probe on a serial line, parsed from `modbus:///dev/ttyUSB0?baud=9600&unit=1`. */
export interface ModbusAddress {
  /** Serial device path (`/dev/ttyUSB0`), or a Windows port name from `modbus://COM3`. */
  path: string;
  baudRate: number;
  /** Modbus slave address 1..247 (Serial Line V1.02 §2.2). */
  unit: number;
  /** How long to wait for a reply, in real (wall) milliseconds: the line runs in real time. */
  timeoutMs: number;
  /** `sensor` of the samples; default `probe-<unit>`. */
  sensor: string;
  /** 8 data bits, 1 stop bit; XY-MD02-class probes ship with no parity. */
  parity: 'none' | 'even' | 'odd';
  /**
   * `echo=true`: the adapter writes each request back before the reply (two-wire RS-485 adapters that hear
   * their own transmitter); the echo is checked against the request and stripped. Default false.
   */
  echo: boolean;
  /**
   * `quiet=ms`: after a timeout, the next request on this bus waits until the line has been silent this long
   * (bytes meanwhile are dropped and restart the wait), so a late reply is never read as the next answer.
   * Default: the timeout, so a reply up to twice the timeout late is still recognised as late.
   */
  quietMs: number;
}

const PARAMS = ['baud', 'unit', 'timeout', 'sensor', 'parity', 'echo', 'quiet'] as const;
const PARITIES = ['none', 'even', 'odd'] as const;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

function integer(text: string | null, fallback: number, min: number, max: number): number | undefined {
  if (text === null) return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** Parses and validates a `modbus:` address; throws INVALID_CONFIG listing every problem. */
export function parseModbusAddress(address: string): ModbusAddress {
  const fail = (problems: string[]) =>
    new ColdtrailError(
      ErrorCode.InvalidConfig,
      `invalid Modbus address "${address}" (expected modbus:///dev/ttyUSB0?baud=9600&unit=1):\n` +
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
  if (url.protocol !== 'modbus:') problems.push(`scheme: must be modbus:, got ${url.protocol}`);
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
        `path: "${url.host}${path}" was read as host + path; write three slashes: modbus:///${url.host}${path}`,
      );
  }
  if (path === '' || path === '/')
    problems.push('path: the serial device is missing, e.g. modbus:///dev/ttyUSB0');
  const q = url.searchParams;
  for (const key of new Set(q.keys())) {
    if (!(PARAMS as readonly string[]).includes(key))
      problems.push(`${key}: unknown parameter (known: ${PARAMS.join(', ')})`);
    else if (q.getAll(key).length > 1) problems.push(`${key}: given more than once`);
  }
  const baudRate = integer(q.get('baud'), 9600, 50, 4_000_000);
  if (baudRate === undefined) problems.push('baud: must be an integer baud rate, e.g. 9600');
  const unit = integer(q.get('unit'), 1, 1, 247);
  if (unit === undefined) problems.push('unit: must be an integer 1..247 (Modbus serial slave address)');
  const timeoutMs = integer(q.get('timeout'), 500, 1, 60_000);
  if (timeoutMs === undefined) problems.push('timeout: must be milliseconds, an integer 1..60000');
  const sensor = q.get('sensor') ?? `probe-${unit ?? 1}`;
  if (!isIdentifier(sensor))
    problems.push('sensor: must be 1-64 characters of A-Z a-z 0-9 . _ - (used in records)');
  const parity = (q.get('parity') ?? 'none') as ModbusAddress['parity'];
  if (!PARITIES.includes(parity)) problems.push(`parity: must be one of ${PARITIES.join(', ')}`);
  const echo = BOOLEANS[q.get('echo') ?? 'false'];
  if (echo === undefined) problems.push('echo: must be true or false');
  const quietMs = integer(q.get('quiet'), timeoutMs ?? 500, 0, 60_000);
  if (quietMs === undefined) problems.push('quiet: must be milliseconds, an integer 0..60000');
  if (
    problems.length > 0 ||
    baudRate === undefined ||
    unit === undefined ||
    timeoutMs === undefined ||
    echo === undefined ||
    quietMs === undefined
  ) {
    throw fail(problems);
  }
  return { path, baudRate, unit, timeoutMs, sensor, parity, echo, quietMs };
}
