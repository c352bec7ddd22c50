import type { Sample } from '@coldtrail/core';

/**
 * One physical (or simulated) sensor path, chosen by an address URL such as
 * `modbus:///dev/ttyUSB0?baud=9600&unit=1`, `nmea:///dev/ttyAMA0`, `w1://28-00000abc`, `gpio://17?edge=both`.
 *
 * Contract: `read()` performs one polling cycle and never rejects for device-level trouble (timeout, CRC error,
 * garbage, disconnected probe, out-of-range value): it returns fault samples instead, so the agent keeps running
 * and "no data" stays distinguishable from "all fine". It rejects only if the source was closed.
 */
export interface SensorSource {
  /** The address URL this source was opened from. */
  readonly address: string;
  read(signal?: AbortSignal): Promise<Sample[]>;
  /** Idempotent. */
  close(): Promise<void>;
}
