import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { type GpioDoorSourceDeps, openGpioDoorSource } from './gpio/door-source.js';
import { type ModbusSourceDeps, openModbusSource } from './modbus/modbus-source.js';
import { type NmeaSourceDeps, openNmeaSource } from './nmea/nmea-source.js';
import type { SensorSource } from './sensor-source.js';
import { openW1Source, type W1SourceDeps } from './w1/w1-source.js';

/** What adapters may need from the outside world; each adapter takes the part it uses. */
export interface OpenSourceDeps extends ModbusSourceDeps, NmeaSourceDeps, W1SourceDeps, GpioDoorSourceDeps {}

/** Address schemes of DESIGN §2.1, each with its adapter. */
const SUPPORTED = 'modbus:, nmea:, w1:, gpio:';

/**
 * Opens the sensor source an address URL names, choosing the adapter by scheme:
 * `modbus:///dev/ttyUSB0?baud=9600&unit=1[&timeout=ms][&sensor=name][&parity=none|even|odd][&echo=true][&quiet=ms]`;
 * sources naming one serial path share that bus (modbus/bus-registry.ts).
 * Throws INVALID_CONFIG for an address no adapter can open.
 */
export async function openSource(address: string, deps: OpenSourceDeps = {}): Promise<SensorSource> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(address)?.[1]?.toLowerCase();
  switch (scheme === undefined ? undefined : `${scheme}:`) {
    case 'modbus:':
      return openModbusSource(address, deps);
    case 'nmea:':
      return openNmeaSource(address, deps);
    case 'w1:':
      return openW1Source(address, deps);
    case 'gpio:':
      return openGpioDoorSource(address, deps);
    case undefined:
      throw new ColdtrailError(
        ErrorCode.InvalidConfig,
        `sensor address "${address}" has no scheme; write e.g. modbus:///dev/ttyUSB0?baud=9600&unit=1`,
      );
    default: {
      throw new ColdtrailError(
        ErrorCode.InvalidConfig,
        `sensor address "${address}": ${scheme}: sources are unknown; ` + `supported: ${SUPPORTED}`,
      );
    }
  }
}
