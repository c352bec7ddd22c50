import {
  type AddressForm,
  addressError,
  booleanParam,
  checkParams,
  checkSensor,
  integerParam,
  oneOfParam,
  parseAddressUrl,
  serialPath,
} from '../source-address.js';

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

const PARITIES = ['none', 'even', 'odd'] as const;
const FORM: AddressForm = {
  scheme: 'modbus',
  label: 'Modbus',
  expected: 'modbus:///dev/ttyUSB0?baud=9600&unit=1',
  params: ['baud', 'unit', 'timeout', 'sensor', 'parity', 'echo', 'quiet'],
};

/** Parses and validates a `modbus:` address; throws INVALID_CONFIG listing every problem. */
export function parseModbusAddress(address: string): ModbusAddress {
  const { url, problems } = parseAddressUrl(address, FORM);
  const path = serialPath(url, FORM, '/dev/ttyUSB0', problems);
  const q = url.searchParams;
  checkParams(q, FORM, problems);
  const baudRate = integerParam(q.get('baud'), 9600, 50, 4_000_000);
  if (baudRate === undefined) problems.push('baud: must be an integer baud rate, e.g. 9600');
  const unit = integerParam(q.get('unit'), 1, 1, 247);
  if (unit === undefined) problems.push('unit: must be an integer 1..247 (Modbus serial slave address)');
  const timeoutMs = integerParam(q.get('timeout'), 500, 1, 60_000);
  if (timeoutMs === undefined) problems.push('timeout: must be milliseconds, an integer 1..60000');
  const sensor = q.get('sensor') ?? `probe-${unit ?? 1}`;
  checkSensor(sensor, problems);
  const parity = oneOfParam(q.get('parity'), PARITIES, 'none');
  if (parity === undefined) problems.push(`parity: must be one of ${PARITIES.join(', ')}`);
  const echo = booleanParam(q.get('echo'), false);
  if (echo === undefined) problems.push('echo: must be true or false');
  const quietMs = integerParam(q.get('quiet'), timeoutMs ?? 500, 0, 60_000);
  if (quietMs === undefined) problems.push('quiet: must be milliseconds, an integer 0..60000');
  if (
    problems.length > 0 ||
    baudRate === undefined ||
    unit === undefined ||
    timeoutMs === undefined ||
    parity === undefined ||
    echo === undefined ||
    quietMs === undefined
  ) {
    throw addressError(FORM, address, problems);
  }
  return { path, baudRate, unit, timeoutMs, sensor, parity, echo, quietMs };
}
