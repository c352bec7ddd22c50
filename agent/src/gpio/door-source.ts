import {
  ColdtrailError,
  ErrorCode,
  FaultCode,
  isColdtrailError,
  type Sample,
  systemClock,
  type TimerClock,
  Unit,
} from '@coldtrail/core';
import type { SensorSource } from '../sensor-source.js';
import { Debouncer } from './debouncer.js';
import { type GpioAddress, GpioEdge, parseGpioAddress } from './gpio-address.js';
import { GpioDirection, type GpioLevel, type GpioPort, type OpenGpioPort } from './gpio-port.js';
import { openGpioPort } from './open-gpio-port.js';

export interface GpioDoorSourceDeps {
  /** Opens the line; default: files under `root` when the address has one, else onoff. */
  openPort?: OpenGpioPort;
  /** Debounce, read timeout and file polling; default the system clock (contacts bounce in real time). */
  timers?: TimerClock;
}

/** Edges kept between two reads; a contact flapping faster than this is reported, not buffered without end. */
export const MAX_EDGES_PER_READ = 1000;

/**
 * A door contact on a GPIO input: `gpio://17?edge=both&debounce=50&active=low&sensor=door`. Each `read()`
 * returns one `door` sample (1 open, 0 closed) per debounced edge since the last read, in the order they
 * happened, then one for the current debounced state: a door that opened and closed between two polls reads
 * `1, 0, 0`; a quiet door reads its state alone. With `edge=none` nothing is watched and the level is polled.
 *
 * Timestamps: the agent stamps every sample of a polling cycle with the cycle's time (sampler.ts hands the
 * cycle's samples and one `ts` to outbox.append), so the edges carry the time of the read that collected them,
 * not their own; their order survives as `seq` order. Poll the door faster (its own interval) for finer times.
 */
export async function openGpioDoorSource(
  address: string,
  deps: GpioDoorSourceDeps = {},
): Promise<SensorSource> {
  const config = parseGpioAddress(address, GpioDirection.In);
  if (config.direction !== GpioDirection.In) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `door contact "${address}": must be an input (direction=in)`,
    );
  }
  const timers = deps.timers ?? systemClock;
  const open = deps.openPort ?? ((o) => openGpioPort(o, { timers }));
  const port = await open({
    gpio: config.gpio,
    direction: GpioDirection.In,
    ...(config.root === undefined ? {} : { root: config.root }),
    pollMs: config.pollMs,
  });
  return new DoorSource(address, config, port, timers);
}

class DoorSource implements SensorSource {
  readonly #edges: GpioLevel[] = [];
  #dropped = 0;
  #closed = false;
  readonly #onClose = new Set<() => void>();
  #inflight: Promise<{ level: GpioLevel } | { error: Error }> | undefined;
  readonly #debouncer: Debouncer;
  readonly #unwatch: (() => void) | undefined;

  constructor(
    readonly address: string,
    private readonly config: GpioAddress,
    private readonly port: GpioPort,
    private readonly timers: TimerClock,
  ) {
    this.#debouncer = new Debouncer(config.debounceMs, timers, (raw) => this.#edge(this.#logical(raw)));
    this.#unwatch = config.edge === GpioEdge.None ? undefined : port.watch((l) => this.#debouncer.input(l));
  }

  async read(signal?: AbortSignal): Promise<Sample[]> {
    if (this.#closed) throw this.#closedError();
    const outcome = signal?.aborted ? 'aborted' : await this.#readLevel(signal);
    if (this.#closed || outcome === 'closed') throw this.#closedError();
    const samples = this.#edges.splice(0).map((v) => this.#door(v));
    if (this.#dropped > 0) {
      samples.push(
        this.#fault(
          FaultCode.Garbage,
          `${this.#dropped} more edges since the last read were dropped: the contact flapped more than ` +
            `${MAX_EDGES_PER_READ} times (loose wire? raise debounce=)`,
        ),
      );
      this.#dropped = 0;
    }
    if (outcome === 'aborted') return samples;
    if (outcome === 'timeout') {
      samples.push(
        this.#fault(
          FaultCode.Timeout,
          `GPIO ${this.config.gpio} gave no level within ${this.config.timeoutMs} ms`,
        ),
      );
    } else if ('error' in outcome) {
      // A line that reads as neither 0 nor 1 is garbage; one that cannot be read at all is not there.
      const garbage = isColdtrailError(outcome.error, ErrorCode.InvalidInput);
      samples.push(
        this.#fault(
          garbage ? FaultCode.Garbage : FaultCode.Disconnected,
          `GPIO ${this.config.gpio} cannot be read: ${outcome.error.message}`,
        ),
      );
    } else {
      this.#debouncer.start(outcome.level);
      const current =
        this.config.edge === GpioEdge.None ? outcome.level : (this.#debouncer.stable ?? outcome.level);
      samples.push(this.#door(this.#logical(current)));
    }
    return samples;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch?.();
    this.#debouncer.close();
    for (const f of [...this.#onClose]) f();
    await this.port.close();
  }

  #readLevel(signal?: AbortSignal) {
    type Outcome = { level: GpioLevel } | { error: Error } | 'timeout' | 'aborted' | 'closed';
    const closers = this.#onClose;
    return new Promise<Outcome>((resolve) => {
      const timer = this.timers.setTimeout(() => settle('timeout'), this.config.timeoutMs);
      const onAbort = () => settle('aborted');
      const onClose = () => settle('closed');
      function settle(v: Outcome) {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        closers.delete(onClose);
        resolve(v);
      }
      closers.add(onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#portRead().then(settle);
    });
  }

  /**
   * The one port read in flight: a read that outlived its timeout is waited on again by the next cycle, not
   * doubled, since a hung file read holds one of libuv's few thread-pool threads until it returns.
   */
  #portRead(): Promise<{ level: GpioLevel } | { error: Error }> {
    if (this.#inflight) return this.#inflight;
    const p = this.port.read().then(
      (level) => ({ level }),
      (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.#inflight = p;
    void p.then(() => {
      if (this.#inflight === p) this.#inflight = undefined;
    });
    return p;
  }

  #edge(level: GpioLevel): void {
    const { edge } = this.config;
    if (edge === GpioEdge.Rising && level !== 1) return;
    if (edge === GpioEdge.Falling && level !== 0) return;
    if (this.#edges.length < MAX_EDGES_PER_READ) this.#edges.push(level);
    else this.#dropped++;
  }

  /** Pin level -> door state (1 open): `active=low` means a low pin is the open door. */
  #logical(raw: GpioLevel): GpioLevel {
    return this.config.activeLow ? ((1 - raw) as GpioLevel) : raw;
  }

  #door(value: GpioLevel): Sample {
    return { sensor: this.config.sensor, kind: 'door', value, unit: Unit.One };
  }

  #fault(fault: FaultCode, message: string): Sample {
    return { sensor: this.config.sensor, kind: 'fault', fault, message: `${this.address}: ${message}` };
  }

  #closedError(): ColdtrailError {
    return new ColdtrailError(ErrorCode.Unavailable, `sensor source ${this.address} is closed`);
  }
}
