import type { TimerClock } from '@coldtrail/core';
import { openFileGpioPort } from './gpio-file-port.js';
import { openOnoffGpioPort } from './gpio-onoff-port.js';
import type { GpioPort, GpioPortOptions } from './gpio-port.js';

/** The adapter an address selects: files under `root` in simulation, onoff on real hardware. */
export function openGpioPort(
  options: GpioPortOptions,
  deps: { timers?: TimerClock } = {},
): Promise<GpioPort> {
  const { root } = options;
  return root === undefined ? openOnoffGpioPort(options) : openFileGpioPort({ ...options, root }, deps);
}
