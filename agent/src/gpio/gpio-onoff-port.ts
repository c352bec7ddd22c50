import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { GpioLevel, GpioPort, GpioPortOptions } from './gpio-port.js';

/**
 * The part of onoff 6's `Gpio` used here, declared locally: onoff is an optional dependency, and the build must
 * not need it where its native part did not install.
 */
interface OnoffPin {
  read(): Promise<GpioLevel>;
  write(value: GpioLevel): Promise<void>;
  watch(cb: (err: Error | null | undefined, value: GpioLevel) => void): void;
  unwatch(cb: (err: Error | null | undefined, value: GpioLevel) => void): void;
  unwatchAll(): void;
  unexport(): void;
}
interface OnoffGpio {
  new (gpio: number, direction: 'in' | 'out' | 'high' | 'low', edge?: 'none' | 'both'): OnoffPin;
  readonly accessible: boolean;
}
type OnoffModule = { Gpio?: OnoffGpio; default?: { Gpio?: OnoffGpio } };
const ONOFF = 'onoff';

/** onoff is an optional native dependency (epoll): imported only when a real GPIO line is opened. */
async function loadOnoff(): Promise<OnoffGpio> {
  let mod: OnoffModule;
  try {
    // A variable specifier: the type checker does not resolve the optional module.
    mod = (await import(ONOFF)) as OnoffModule;
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `the onoff GPIO module is not installed or its epoll binding did not build (${(err as Error).message}); ` +
        'on the Pi: apt-get install -y build-essential python3 && npm rebuild epoll',
      { cause: err },
    );
  }
  const Gpio = mod.Gpio ?? mod.default?.Gpio;
  if (!Gpio)
    throw new ColdtrailError(ErrorCode.Unavailable, 'the onoff module has no Gpio export (onoff 6 expected)');
  return Gpio;
}

/**
 * A real GPIO line through onoff (the kernel's sysfs GPIO interface, /sys/class/gpio): edges arrive by
 * interrupt (epoll on the value file), not by polling. onoff's own debounce and activeLow stay off: the door
 * source and the alarm output apply theirs the same way for every adapter.
 */
export async function openOnoffGpioPort(options: GpioPortOptions): Promise<GpioPort> {
  const Gpio = await loadOnoff();
  if (!Gpio.accessible) {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `GPIO ${options.gpio}: /sys/class/gpio is not accessible here (not a Raspberry Pi, or the user is not in the ` +
        'gpio group); in simulation give the address ?root=DIR',
    );
  }
  const direction = options.direction === 'out' ? (options.initial === 1 ? 'high' : 'low') : 'in';
  let pin: OnoffPin;
  try {
    pin = new Gpio(options.gpio, direction, options.direction === 'in' ? 'both' : 'none');
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `GPIO ${options.gpio} cannot be exported (${(err as Error).message}); on Raspberry Pi kernels >= 6.6 add ` +
        '&base=512 (Pi 4) or &base=571 (Pi 5) to the address',
      { cause: err },
    );
  }
  let closed = false;
  return {
    gpio: options.gpio,
    read: () => pin.read(),
    watch(onLevel) {
      const cb = (err: Error | null | undefined, value: GpioLevel) => {
        if (!err) onLevel(value);
      };
      pin.watch(cb);
      return () => pin.unwatch(cb);
    },
    write: (level) => pin.write(level),
    async close() {
      if (closed) return;
      closed = true;
      pin.unwatchAll();
      pin.unexport();
    },
  };
}
