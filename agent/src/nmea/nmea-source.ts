import type { BindingInterface } from '@coldtrail/core';
import {
  type Clock,
  ColdtrailError,
  createNmeaFramer,
  ErrorCode,
  type NmeaFramer,
  type Sample,
  systemClock,
} from '@coldtrail/core';
import type { SerialPortStream } from '@serialport/stream';
import type { SensorSource } from '../sensor-source.js';
import { nativeBinding, openSerialPort } from '../serial-binding.js';
import { type NmeaAddress, parseNmeaAddress } from './nmea-address.js';
import { NmeaWindow } from './nmea-window.js';

export interface NmeaSourceDeps {
  /** node-serialport binding; default: the native one for this OS, loaded on first use. */
  binding?: BindingInterface;
  /** The clock whose drift the GPS time measures (`clock-offset` samples); default the system clock. */
  clock?: Clock;
  /** The serial port opened or went away (for logs, and for tests that must know the port listens). */
  onEvent?: (event: NmeaSourceEvent) => void;
}

export type NmeaSourceEvent =
  | { type: 'opened'; path: string }
  | { type: 'closed'; path: string; reason: string };

/**
 * A GPS receiver speaking NMEA 0183: `nmea:///dev/ttyAMA0?baud=9600[&timeout=ms][&sensor=gps]`. The receiver
 * talks once a second whether asked or not; the source listens all the time and each `read()` answers for
 * what arrived since the last one (NmeaWindow): latitude, longitude, speed and clock-offset of the newest
 * fix, or one fault (no-fix, crc, garbage, timeout, disconnected).
 */
export async function openNmeaSource(address: string, deps: NmeaSourceDeps = {}): Promise<SensorSource> {
  const config = parseNmeaAddress(address);
  const binding = deps.binding ?? (await nativeBinding());
  const source = new NmeaSource(address, config, binding, deps.clock ?? systemClock, deps.onEvent);
  // Listen from now on: what the receiver says before the first read belongs to it. A port that cannot be
  // opened yet (receiver not plugged in) is no error here; each read tries again and reports it.
  await source.listen().catch(() => undefined);
  return source;
}

class NmeaSource implements SensorSource {
  private port: SerialPortStream | undefined;
  private opening: Promise<void> | undefined;
  private framer: NmeaFramer = createNmeaFramer();
  private readonly window: NmeaWindow;
  /** Called on every change a waiting read may care about (bytes in, port gone, source closed). */
  private onChange: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly address: string,
    private readonly config: NmeaAddress,
    private readonly binding: BindingInterface,
    private readonly clock: Clock,
    private readonly onEvent: ((event: NmeaSourceEvent) => void) | undefined,
  ) {
    this.window = new NmeaWindow(config.sensor, address);
  }

  /** Serialised, so two reads never split one window between them. */
  read(signal?: AbortSignal): Promise<Sample[]> {
    const next = this.queue.then(() => this.readOnce(signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    const port = this.port;
    this.port = undefined;
    this.onChange?.();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async readOnce(signal?: AbortSignal): Promise<Sample[]> {
    if (this.closed) throw this.closedError();
    if (signal?.aborted) return [];
    // A port that went away since the last read: report that (after what arrived before it) first.
    if (this.window.isDown) return this.window.take(0);
    try {
      await this.listen();
    } catch (err) {
      if (this.closed) throw this.closedError();
      this.window.disconnected(`cannot open ${this.config.path}: ${(err as Error).message}`);
      return this.window.take(0);
    }
    if (this.closed) throw this.closedError();
    if (signal?.aborted) return [];
    // An RMC closes a receiver's second (NmeaWindow.hasRmc); a GGA-only receiver is answered at the timeout.
    if (this.window.hasRmc) return this.window.take(0);
    const { timeoutMs } = this.config;
    const outcome = await new Promise<'ready' | 'timeout' | 'aborted' | 'closed'>((resolve) => {
      const finish = (o: 'ready' | 'timeout' | 'aborted' | 'closed') => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.onChange = undefined;
        resolve(o);
      };
      const onAbort = () => finish('aborted');
      // Wall time, like the serial line of the Modbus source: bytes arrive in real time.
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onChange = () => {
        if (this.closed) finish('closed');
        else if (this.window.hasRmc || this.window.isDown) finish('ready');
      };
    });
    if (outcome === 'closed' || this.closed) throw this.closedError();
    if (outcome === 'aborted') return [];
    return this.window.take(outcome === 'timeout' ? timeoutMs : 0);
  }

  /** Opens the port unless it is open (one attempt at a time). */
  listen(): Promise<void> {
    if (this.port?.isOpen) return Promise.resolve();
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<void> {
    this.port = undefined;
    const { path, baudRate } = this.config;
    const port = await openSerialPort({ binding: this.binding, path, baudRate, parity: 'none' });
    if (this.closed) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    }
    // Half a sentence left from the previous port must not prefix the first one from this one.
    this.framer = createNmeaFramer();
    port.on('data', (chunk: Buffer) => {
      if (this.port !== port) return;
      this.window.receive(this.framer.push(chunk), this.clock.now());
      this.onChange?.();
    });
    // node-serialport closes the stream with `disconnected: true` when the device goes away.
    port.on('close', (err: Error | null) => {
      if (this.port !== port) return;
      this.port = undefined;
      const reason = err ? `${path} disconnected: ${err.message}` : `${path} closed`;
      this.window.disconnected(reason);
      this.onEvent?.({ type: 'closed', path, reason });
      this.onChange?.();
    });
    this.port = port;
    this.onEvent?.({ type: 'opened', path });
  }

  private closedError(): ColdtrailError {
    return new ColdtrailError(ErrorCode.Unavailable, `sensor source ${this.address} is closed`);
  }
}
