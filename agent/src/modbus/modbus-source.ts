import type { BindingInterface } from '@coldtrail/core';
import {
  buildReadInputRegistersRequest,
  ColdtrailError,
  describeModbusException,
  ErrorCode,
  FaultCode,
  ProbeRegister,
  type ReadResponse,
  type Sample,
  toInt16,
  Unit,
} from '@coldtrail/core';
import type { SensorSource } from '../sensor-source.js';
import { nativeBinding } from '../serial-binding.js';
import { type BusLease, type BusRegistry, sharedBusRegistry } from './bus-registry.js';
import { type ModbusAddress, parseModbusAddress } from './modbus-address.js';
import { readReply } from './reply-reader.js';

export interface ModbusSourceDeps {
  /** node-serialport binding; default: the native one for this OS, loaded on first use. */
  binding?: BindingInterface;
  /** Where sources naming one serial path meet on one port; default: one registry per process. */
  buses?: BusRegistry;
}

/** Plausible ranges: the probe class measures -40..80 °C; outside the sensor limits a value is a fault. */
export const TEMPERATURE_RANGE = { min: -55, max: 125 } as const;
export const HUMIDITY_RANGE = { min: 0, max: 100 } as const;

/**
 * A temperature/humidity probe over Modbus RTU: each `read()` sends one 0x04 request (registers 0x0001-0x0002)
 * and returns [temperature °C, humidity %RH], or one fault sample when the line or the probe misbehaves.
 * Sources whose addresses name the same serial path share one port (one RS-485 bus, several unit ids) and
 * take turns on it; they must agree on baud, parity and echo (INVALID_CONFIG otherwise).
 */
export async function openModbusSource(address: string, deps: ModbusSourceDeps = {}): Promise<SensorSource> {
  const config = parseModbusAddress(address);
  const binding = deps.binding ?? (await nativeBinding());
  const { path, baudRate, parity, echo } = config;
  const lease = await (deps.buses ?? sharedBusRegistry).acquire({
    path,
    baudRate,
    parity,
    echo,
    binding,
    address,
  });
  return new ModbusSource(address, config, lease);
}

class ModbusSource implements SensorSource {
  private readonly request: Uint8Array;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Ends this source's exchange in progress on close, while the bus may stay open for other sources. */
  private readonly closing = new AbortController();

  constructor(
    readonly address: string,
    private readonly config: ModbusAddress,
    private readonly bus: BusLease,
  ) {
    this.request = buildReadInputRegistersRequest(config.unit, ProbeRegister.Temperature, 2);
  }

  /** Reads are serialised: a half-duplex RS-485 line carries one transaction at a time. */
  read(signal?: AbortSignal): Promise<Sample[]> {
    const next = this.queue.then(() => this.readOnce(signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await this.bus.release();
  }

  private async readOnce(signal?: AbortSignal): Promise<Sample[]> {
    if (this.closed) throw this.closedError();
    const { unit, timeoutMs, echo, quietMs } = this.config;
    const want = { request: this.request, unit, count: 2, echo };
    const parse = (buf: Buffer) => {
      const r = readReply(buf, want);
      return r.status === 'incomplete' ? undefined : r;
    };
    const noise = (r: ReadResponse) => r.status === 'garbage';
    const ends = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    const out = await this.bus.line.exchange(this.request, parse, timeoutMs, ends, noise, {
      quietAfterTimeoutMs: quietMs,
    });
    if (this.closed) throw this.closedError();
    switch (out.status) {
      case 'aborted':
        return [];
      case 'disconnected':
        return [this.fault(FaultCode.Disconnected, out.message)];
      case 'timeout':
        return [
          out.received > 0
            ? this.fault(
                FaultCode.Garbage,
                `truncated reply: ${out.received} bytes, then silence for ${timeoutMs} ms`,
              )
            : this.fault(FaultCode.Timeout, `no reply from unit ${unit} within ${timeoutMs} ms`),
        ];
      case 'reply':
        return this.samples(out.reply);
      default:
        return out satisfies never;
    }
  }

  private samples(r: Exclude<ReadResponse, { status: 'incomplete' }>): Sample[] {
    switch (r.status) {
      case 'crc':
        return [this.fault(FaultCode.Crc, `reply with a bad CRC (${r.length} bytes)`)];
      case 'garbage':
        return [this.fault(FaultCode.Garbage, `not a reply to the request: ${r.reason}`)];
      case 'exception':
        return [this.fault(FaultCode.ModbusException, describeModbusException(r.code))];
      case 'ok':
        return this.values(r.registers);
      default:
        return r satisfies never;
    }
  }

  /** Temperature is int16 in 0.1 °C, humidity uint16 in 0.1 %RH; each is checked on its own. */
  private values([tWord = 0, hWord = 0]: number[]): Sample[] {
    const sensor = this.config.sensor;
    const temperature = toInt16(tWord) / 10;
    const humidity = hWord / 10;
    const out: Sample[] = [];
    if (temperature < TEMPERATURE_RANGE.min || temperature > TEMPERATURE_RANGE.max) {
      out.push(
        this.fault(
          FaultCode.OutOfRange,
          `temperature ${temperature} °C outside ${TEMPERATURE_RANGE.min}..${TEMPERATURE_RANGE.max}`,
        ),
      );
    } else {
      out.push({ sensor, kind: 'temperature', value: temperature, unit: Unit.Celsius });
    }
    if (humidity < HUMIDITY_RANGE.min || humidity > HUMIDITY_RANGE.max) {
      out.push(
        this.fault(
          FaultCode.OutOfRange,
          `humidity ${humidity} %RH outside ${HUMIDITY_RANGE.min}..${HUMIDITY_RANGE.max}`,
        ),
      );
    } else {
      out.push({ sensor, kind: 'humidity', value: humidity, unit: Unit.Percent });
    }
    return out;
  }

  private fault(fault: FaultCode, message: string): Sample {
    return { sensor: this.config.sensor, kind: 'fault', fault, message: `${this.address}: ${message}` };
  }

  private closedError(): ColdtrailError {
    return new ColdtrailError(ErrorCode.Unavailable, `sensor source ${this.address} is closed`);
  }
}
