import {
  type AddressForm,
  addressError,
  checkParams,
  checkSensor,
  integerParam,
  parseAddressUrl,
} from '../source-address.js';

/** A DS18B20 on the Linux 1-Wire bus, parsed from `w1://28-00000abc[?root=DIR][&sensor=name][&timeout=ms]`. */
export interface W1Address {
  /** The kernel's device name under the root: family code 28 (DS18B20), `-`, the serial number in hex. */
  id: string;
  /** Where the w1 devices are listed; default the kernel's /sys/bus/w1/devices (a temp dir in simulation). */
  root: string;
  /** `sensor` of the samples; default the device id. */
  sensor: string;
  /**
   * How long a read may take before it ends as a `timeout` fault, in real milliseconds. Reading `w1_slave`
   * makes the kernel start a conversion and wait for it (up to 750 ms at 12-bit resolution, datasheet
   * "Conversion Time"), so the default leaves room for that and for a busy bus.
   */
  timeoutMs: number;
}

export const W1_DEFAULT_ROOT = '/sys/bus/w1/devices';
const DEFAULT_TIMEOUT_MS = 2000;
/** Family 0x28 is the DS18B20 (datasheet, "64-Bit Lasered ROM Code"); the kernel prints the 48-bit serial in hex. */
const DEVICE_ID = /^28-[0-9a-f]{1,12}$/;
const FORM: AddressForm = {
  scheme: 'w1',
  label: '1-Wire',
  expected: `w1://28-0000075565c1, the device's name under ${W1_DEFAULT_ROOT}`,
  params: ['root', 'sensor', 'timeout'],
};

/** Parses and validates a `w1:` address; throws INVALID_CONFIG listing every problem. */
export function parseW1Address(address: string): W1Address {
  const { url, problems } = parseAddressUrl(address, FORM);
  const id = url.hostname.toLowerCase();
  if (!DEVICE_ID.test(id)) {
    problems.push(
      /^[0-9a-f]{2}-/.test(id)
        ? `device: family ${id.slice(0, 2)} is not a DS18B20 (family 28); only DS18B20 probes are supported`
        : `device: "${id}" is not a 1-Wire device name such as 28-0000075565c1`,
    );
  }
  if (url.pathname !== '' && url.pathname !== '/')
    problems.push(`path: "${url.pathname}" is not used; give the directory as ?root=DIR`);
  if (url.port !== '' || url.username !== '') problems.push('device: a device name has no port or user');
  const q = url.searchParams;
  checkParams(q, FORM, problems);
  const root = q.get('root') ?? W1_DEFAULT_ROOT;
  if (!root.startsWith('/')) problems.push(`root: must be an absolute directory, got "${root}"`);
  const timeoutMs = integerParam(q.get('timeout'), DEFAULT_TIMEOUT_MS, 1, 60_000);
  if (timeoutMs === undefined) problems.push('timeout: must be milliseconds, an integer 1..60000');
  const sensor = q.get('sensor') ?? id;
  checkSensor(sensor, problems);
  if (problems.length > 0 || timeoutMs === undefined) throw addressError(FORM, address, problems);
  return { id, root: root.replace(/\/+$/, '') || '/', sensor, timeoutMs };
}
