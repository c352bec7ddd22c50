/**
 * One simulated device as `coldtrail sim start` runs it: what kind of device it emulates and the address URL
 * an agent (or a third-party tool) reads it at — the same source URL the agent's config takes for the real
 * device (`modbus:///dev/pts/3?unit=1`, `nmea:///dev/pts/5`, `w1://28-00000abc?root=/tmp/sim/w1`, `gpio://17?...`).
 */
export const SimDeviceKind = { Modbus: 'modbus', Nmea: 'nmea', W1: 'w1', Gpio: 'gpio' } as const;
export type SimDeviceKind = (typeof SimDeviceKind)[keyof typeof SimDeviceKind];

export interface SimDevice {
  readonly kind: SimDeviceKind;
  /** The agent's source URL for this device. */
  readonly address: string;
  /** Idempotent. */
  close(): Promise<void>;
}
