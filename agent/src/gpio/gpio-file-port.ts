import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ColdtrailError, ErrorCode, systemClock, type Timer, type TimerClock } from '@coldtrail/core';
import { type GpioLevel, type GpioPort, type GpioPortOptions, parseLevel } from './gpio-port.js';

export interface FileGpioDeps {
  /** Schedules the polling; default the system clock. */
  timers?: TimerClock;
}

/**
 * A GPIO line as a plain file `ROOT/gpio<N>/value` holding `0` or `1`, laid out like /sys/class/gpio: what
 * firmware-sim's door contact writes, and what a test drives. Changes are found by polling every `pollMs`
 * (default 5 ms): the real sysfs file signals edges through poll(2) POLLPRI, which only onoff's native epoll
 * module can wait on, and inotify sees nothing on sysfs. A bounce shorter than the poll period may be missed,
 * which is harmless: the debouncer only ever accepts levels that hold far longer.
 */
export async function openFileGpioPort(
  options: GpioPortOptions & { root: string },
  deps: FileGpioDeps = {},
): Promise<GpioPort> {
  const timers = deps.timers ?? systemClock;
  const dir = join(options.root, `gpio${options.gpio}`);
  const value = join(dir, 'value');
  if (options.direction === 'out') {
    // The simulation's own tree: an output line exists once "exported", as the kernel's would.
    await mkdir(dir, { recursive: true });
    await writeFile(value, `${options.initial ?? 0}\n`);
  }
  const read = async (): Promise<GpioLevel> => {
    const text = await readFile(value, 'latin1');
    const level = parseLevel(text.slice(0, 16));
    if (level === undefined)
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `${value} holds ${JSON.stringify(text.slice(0, 16))}, not 0 or 1`,
      );
    return level;
  };
  const watchers = new Set<Timer>();
  let closed = false;
  return {
    gpio: options.gpio,
    read,
    watch(onLevel) {
      let busy = false;
      const timer = timers.setInterval(
        () => {
          if (busy || closed) return;
          busy = true;
          read().then(
            (level) => {
              busy = false;
              if (!closed && watchers.has(timer)) onLevel(level);
            },
            () => {
              busy = false; // gone or half-written: the next poll looks again; read() reports it
            },
          );
        },
        options.pollMs ?? 5,
        { unref: true },
      );
      watchers.add(timer);
      return () => {
        timer.cancel();
        watchers.delete(timer);
      };
    },
    write: (level) => writeFile(value, `${level}\n`),
    async close() {
      closed = true;
      for (const t of watchers) t.cancel();
      watchers.clear();
    },
  };
}
