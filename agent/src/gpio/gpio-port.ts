/**
 * One GPIO line, behind an interface so the door source and the alarm output run unchanged on a Raspberry Pi
 * (onoff over the kernel's sysfs GPIO) and in simulation or CI (plain files that firmware-sim writes).
 * Levels are the raw pin levels; active-low inversion and debouncing belong to the callers, so every adapter
 * gets them the same way.
 */
export type GpioLevel = 0 | 1;

export const GpioDirection = { In: 'in', Out: 'out' } as const;
export type GpioDirection = (typeof GpioDirection)[keyof typeof GpioDirection];

export interface GpioPort {
  /** The kernel's (sysfs) GPIO number: the pin number plus the chip's base. */
  readonly gpio: number;
  /** The pin's level now. Rejects when the line cannot be read (unexported, file gone). */
  read(): Promise<GpioLevel>;
  /**
   * Calls `onLevel` with the level whenever a change is seen (interrupt-driven with onoff, polled for files);
   * may also call it with an unchanged level. Returns a function that stops watching.
   */
  watch(onLevel: (level: GpioLevel) => void): () => void;
  /** Drives an output. Rejects when the line cannot be written. */
  write(level: GpioLevel): Promise<void>;
  /** Releases the line (onoff unexports it). Idempotent. */
  close(): Promise<void>;
}

export interface GpioPortOptions {
  gpio: number;
  direction: GpioDirection;
  /** Level an output starts at, set as the line is opened (no glitch to the other level). */
  initial?: GpioLevel;
  /** Simulation: the directory holding `gpioN/value` files instead of /sys/class/gpio through onoff. */
  root?: string;
  /** Simulation: how often the file is polled for changes, in ms. */
  pollMs?: number;
}

export type OpenGpioPort = (options: GpioPortOptions) => Promise<GpioPort>;

/** Parses a sysfs `value` text (`0\n` or `1\n`); undefined for anything else. */
export function parseLevel(text: string): GpioLevel | undefined {
  const t = text.trim();
  return t === '0' ? 0 : t === '1' ? 1 : undefined;
}
