import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ColdtrailError,
  ErrorCode,
  FaultCode,
  type Sample,
  systemClock,
  type TimerClock,
  Unit,
} from '@coldtrail/core';
import type { SensorSource } from '../sensor-source.js';
import { parseW1Slave } from './ds18b20.js';
import { parseW1Address, type W1Address } from './w1-address.js';

export interface W1SourceDeps {
  /** Reads one `w1_slave` file; default: an open + bounded read (a hostile file cannot fill memory). */
  readFile?: (path: string) => Promise<string>;
  /** Times the read timeout; default the system clock (the kernel's conversion runs in real time). */
  timers?: TimerClock;
}

/** A w1_slave text is ~80 bytes; anything longer than this is not one. */
const MAX_BYTES = 4096;

async function boundedRead(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n <= MAX_BYTES; n += got) {
      got = (await fh.read(buf, n, buf.length - n, null)).bytesRead;
    }
    return buf.toString('latin1', 0, n);
  } finally {
    await fh.close();
  }
}

/** Errors that mean the device (or the whole bus) is not there: the directory vanished or never was. */
const GONE = new Set(['ENOENT', 'ENOTDIR', 'ENODEV', 'ENXIO']);

type Outcome = { text: string } | { error: NodeJS.ErrnoException };

/**
 * A DS18B20 through the kernel's w1_therm driver: each `read()` reads `ROOT/ID/w1_slave` once and returns one
 * temperature sample, or one fault (see parseW1Slave for crc / garbage / power-on-value / out-of-range).
 *
 * Reading that file blocks in the kernel while the probe converts (~750 ms) and can hang on a sick bus. Node
 * cannot cancel a file read, and each one holds a libuv thread-pool thread (4 by default, shared with all other
 * file I/O). So a read that outlives its timeout ends the cycle as a `timeout` fault but is NOT abandoned: the
 * next cycle waits on that same read instead of starting another, and takes its text if it arrives then (a
 * conversion at most one cycle old). At most one read per probe is ever in flight.
 */
export async function openW1Source(address: string, deps: W1SourceDeps = {}): Promise<SensorSource> {
  return new W1Source(
    address,
    parseW1Address(address),
    deps.readFile ?? boundedRead,
    deps.timers ?? systemClock,
  );
}

class W1Source implements SensorSource {
  #inflight: Promise<Outcome> | undefined;
  #closed = false;
  readonly #onClose = new Set<() => void>();

  constructor(
    readonly address: string,
    private readonly config: W1Address,
    private readonly readFile: (path: string) => Promise<string>,
    private readonly timers: TimerClock,
  ) {}

  async read(signal?: AbortSignal): Promise<Sample[]> {
    if (this.#closed) throw this.#closedError();
    if (signal?.aborted) return [];
    const pending = this.#inflight ?? this.#start();
    const { timeoutMs } = this.config;
    const closers = this.#onClose;
    const outcome = await new Promise<Outcome | 'timeout' | 'aborted' | 'closed'>((resolve) => {
      const timer = this.timers.setTimeout(() => settle('timeout'), timeoutMs);
      const onAbort = () => settle('aborted');
      const onClose = () => settle('closed');
      function settle(v: Outcome | 'timeout' | 'aborted' | 'closed') {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        closers.delete(onClose);
        resolve(v);
      }
      closers.add(onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.then(settle);
    });
    if (this.#closed || outcome === 'closed') throw this.#closedError();
    if (outcome === 'aborted') return [];
    if (outcome === 'timeout')
      return [this.#fault(FaultCode.Timeout, `w1_slave gave no answer within ${timeoutMs} ms`)];
    if ('error' in outcome) return [await this.#readError(outcome.error)];
    return [this.#sample(outcome.text)];
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const f of [...this.#onClose]) f();
  }

  /** Starts the one read in flight; it clears itself when the kernel answers, however late. */
  #start(): Promise<Outcome> {
    const path = join(this.config.root, this.config.id, 'w1_slave');
    const p: Promise<Outcome> = this.readFile(path).then(
      (text) => ({ text }),
      (error: NodeJS.ErrnoException) => ({ error }),
    );
    this.#inflight = p;
    void p.then(() => {
      if (this.#inflight === p) this.#inflight = undefined;
    });
    return p;
  }

  #sample(text: string): Sample {
    const r = parseW1Slave(text);
    switch (r.status) {
      case 'ok':
        return { sensor: this.config.sensor, kind: 'temperature', value: r.celsius, unit: Unit.Celsius };
      case 'crc':
        return this.#fault(FaultCode.Crc, r.reason);
      case 'garbage':
        return this.#fault(FaultCode.Garbage, r.reason);
      case 'power-on-value':
        return this.#fault(FaultCode.PowerOnValue, r.reason);
      case 'out-of-range':
        return this.#fault(FaultCode.OutOfRange, r.reason);
      default:
        return r satisfies never;
    }
  }

  /** A vanished device directory is `disconnected` (it comes back by itself when the directory reappears). */
  async #readError(error: NodeJS.ErrnoException): Promise<Sample> {
    const { root, id } = this.config;
    if (error.code !== undefined && GONE.has(error.code)) {
      const rootThere = await stat(root).then(
        (s) => s.isDirectory(),
        () => false,
      );
      return this.#fault(
        FaultCode.Disconnected,
        rootThere
          ? `${id} is not on the bus (no ${join(root, id)}): probe unplugged or its wire cut`
          : `${root} does not exist: is the 1-Wire driver loaded (dtoverlay=w1-gpio in config.txt on a Raspberry Pi)?`,
      );
    }
    return this.#fault(
      FaultCode.Garbage,
      `reading w1_slave failed: ${error.code ?? ''} ${error.message}`.trim(),
    );
  }

  #fault(fault: FaultCode, message: string): Sample {
    return { sensor: this.config.sensor, kind: 'fault', fault, message: `${this.address}: ${message}` };
  }

  #closedError(): ColdtrailError {
    return new ColdtrailError(ErrorCode.Unavailable, `sensor source ${this.address} is closed`);
  }
}
