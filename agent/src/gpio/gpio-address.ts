import {
  type AddressForm,
  addressError,
  checkParams,
  checkSensor,
  integerParam,
  oneOfParam,
  parseAddressUrl,
} from '../source-address.js';
import { GpioDirection } from './gpio-port.js';

/** Which debounced edges of a door contact are recorded: the kernel's sysfs `edge` names, on the logical level. */
export const GpioEdge = { None: 'none', Rising: 'rising', Falling: 'falling', Both: 'both' } as const;
export type GpioEdge = (typeof GpioEdge)[keyof typeof GpioEdge];

/**
 * A GPIO line, parsed from `gpio://17?edge=both&debounce=50&active=low&sensor=door` (an input) or
 * `gpio://27?direction=out` (an output). The number is the pin on the first GPIO chip (BCM numbering on a Pi).
 */
export interface GpioAddress {
  pin: number;
  /**
   * Added to `pin` to give the kernel's sysfs GPIO number. Raspberry Pi kernels >= 6.6 number the sysfs lines
   * from the chip's base: 512 on a Pi 4, 571 on a Pi 5 (see `cat /sys/class/gpio/gpiochip*\/base`); default 0.
   */
  base: number;
  /** `pin + base`. */
  gpio: number;
  direction: GpioDirection;
  /** `low`: a low pin level is the active state (door open / alarm on); default `high`. */
  activeLow: boolean;
  /** Inputs: which debounced edges to record between reads; default `both`. `none` polls the level only. */
  edge: GpioEdge;
  /** Inputs: a level must hold this long (ms) before it counts (contact bounce); default 50. */
  debounceMs: number;
  /** Inputs: `sensor` of the samples; default `gpio-<pin>`. */
  sensor: string;
  /** Inputs: how long a read of the level may take before it ends as a timeout fault (ms); default 1000. */
  timeoutMs: number;
  /** Simulation: a directory with `gpio<N>/value` files instead of /sys/class/gpio through onoff. */
  root?: string;
  /** Simulation: how often the value file is polled (ms); default 5. sysfs files cannot be watched by inotify. */
  pollMs: number;
}

const INPUT_ONLY = ['edge', 'debounce', 'sensor', 'timeout', 'poll'] as const;
const FORM: AddressForm = {
  scheme: 'gpio',
  label: 'GPIO',
  expected: 'gpio://17?edge=both&debounce=50 or gpio://27?direction=out',
  params: ['direction', 'active', 'base', 'root', ...INPUT_ONLY],
};

/**
 * Parses and validates a `gpio:` address; `direction` is the default when the address names none (the door
 * source opens inputs, the alarm output outputs). Throws INVALID_CONFIG listing every problem.
 */
export function parseGpioAddress(address: string, direction: GpioDirection = GpioDirection.In): GpioAddress {
  const { url, problems } = parseAddressUrl(address, FORM);
  const pin = integerParam(url.hostname === '' ? 'x' : url.hostname, 0, 0, 1023);
  if (pin === undefined)
    problems.push(`pin: "${url.hostname}" must be a GPIO number 0..1023, e.g. gpio://17`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.port !== '' || url.username !== '')
    problems.push('pin: write only the number after gpio:// and put options in ?key=value');
  const q = url.searchParams;
  checkParams(q, FORM, problems);
  const dir = oneOfParam(q.get('direction'), Object.values(GpioDirection), direction);
  if (dir === undefined) problems.push('direction: must be in or out');
  if (dir === GpioDirection.Out)
    for (const key of INPUT_ONLY) if (q.has(key)) problems.push(`${key}: only for inputs (direction=in)`);
  const active = oneOfParam(q.get('active'), ['high', 'low'] as const, 'high');
  if (active === undefined) problems.push('active: must be high or low');
  const base = integerParam(q.get('base'), 0, 0, 100_000);
  if (base === undefined)
    problems.push('base: must be an integer >= 0 (512 on a Pi 4, 571 on a Pi 5 with kernel >= 6.6)');
  const edge = oneOfParam(q.get('edge'), Object.values(GpioEdge), GpioEdge.Both);
  if (edge === undefined) problems.push(`edge: must be one of ${Object.values(GpioEdge).join(', ')}`);
  const debounceMs = integerParam(q.get('debounce'), 50, 0, 10_000);
  if (debounceMs === undefined) problems.push('debounce: must be milliseconds, an integer 0..10000');
  const timeoutMs = integerParam(q.get('timeout'), 1000, 1, 60_000);
  if (timeoutMs === undefined) problems.push('timeout: must be milliseconds, an integer 1..60000');
  const pollMs = integerParam(q.get('poll'), 5, 1, 1000);
  if (pollMs === undefined) problems.push('poll: must be milliseconds, an integer 1..1000');
  const root = q.get('root') ?? undefined;
  if (root !== undefined && !root.startsWith('/'))
    problems.push(`root: must be an absolute directory, got "${root}"`);
  if (root === undefined && q.has('poll')) problems.push('poll: only with root= (onoff is interrupt-driven)');
  const sensor = q.get('sensor') ?? `gpio-${pin ?? 0}`;
  checkSensor(sensor, problems);
  if (
    problems.length > 0 ||
    pin === undefined ||
    dir === undefined ||
    base === undefined ||
    edge === undefined ||
    debounceMs === undefined ||
    timeoutMs === undefined ||
    pollMs === undefined
  )
    throw addressError(FORM, address, problems);
  return {
    pin,
    base,
    gpio: pin + base,
    direction: dir,
    activeLow: active === 'low',
    edge,
    debounceMs,
    sensor,
    timeoutMs,
    ...(root === undefined ? {} : { root: root.replace(/\/+$/, '') || '/' }),
    pollMs,
  };
}
