import {
  type AddressForm,
  addressError,
  checkParams,
  checkSensor,
  integerParam,
  parseAddressUrl,
  serialPath,
} from '../source-address.js';

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

const FORM: AddressForm = {
  scheme: 'nmea',
  label: 'NMEA',
  expected: 'nmea:///dev/ttyAMA0?baud=9600',
  params: ['baud', 'timeout', 'sensor'],
};

/** Parses and validates an `nmea:` address; throws INVALID_CONFIG listing every problem. */
export function parseNmeaAddress(address: string): NmeaAddress {
  const { url, problems } = parseAddressUrl(address, FORM);
  const path = serialPath(url, FORM, '/dev/ttyAMA0', problems);
  const q = url.searchParams;
  checkParams(q, FORM, problems);
  const baudRate = integerParam(q.get('baud'), 9600, 50, 4_000_000);
  if (baudRate === undefined) problems.push('baud: must be an integer baud rate, e.g. 9600 or 4800');
  const timeoutMs = integerParam(q.get('timeout'), 2500, 1, 60_000);
  if (timeoutMs === undefined) problems.push('timeout: must be milliseconds, an integer 1..60000');
  const sensor = q.get('sensor') ?? 'gps';
  checkSensor(sensor, problems);
  if (problems.length > 0 || baudRate === undefined || timeoutMs === undefined)
    throw addressError(FORM, address, problems);
  return { path, baudRate, timeoutMs, sensor };
}
