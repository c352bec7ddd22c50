import type { BindingInterface, Clock } from '@coldtrail/core';
import { interFrameSilenceMs, MAX_RTU_FRAME, systemClock } from '@coldtrail/core';
import type { SerialPortStream } from '@serialport/stream';
import { openSerialPort } from '../serial-binding.js';

export interface SerialLineOptions {
  path: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  binding: BindingInterface;
  /**
   * Wall time for the inter-frame silence and the quiet window (the line runs in real time, never on a
   * simulated clock). Default: `performance.now()` (sub-millisecond, t3.5 is 1.75-4 ms) and real sleeps.
   */
  time?: Pick<Clock, 'now' | 'sleep'>;
}

export interface ExchangeOptions {
  /**
   * After this exchange times out, the next one waits until the line has been silent this long (bytes that
   * arrive meanwhile are dropped and restart the wait), so a late reply to this request is never read as the
   * answer to the next. Default 0: only the inter-frame silence.
   */
  quietAfterTimeoutMs?: number;
}

/** How one request/reply exchange ended. `reply` is whatever `parse` recognised. */
export type Exchange<R> =
  | { status: 'reply'; reply: R }
  /** Nothing complete within the timeout; `received` bytes of an unfinished reply had arrived. */
  | { status: 'timeout'; received: number }
  | { status: 'disconnected'; message: string }
  | { status: 'aborted' };

const EMPTY = Buffer.alloc(0);

/**
 * After bytes that are no reply, wait until the line has been quiet this long before the exchange ends, so the
 * rest of the burst cannot prefix the next reply. Modbus RTU ends frames after 3.5 character times (about
 * 4 ms at 9600 baud, Serial Line V1.02 §2.5.1.1); PTYs and USB adapters deliver in bursts, hence the margin.
 */
export const QUIET_MS = 20;

const wallTime: Pick<Clock, 'now' | 'sleep'> = { now: () => performance.now(), sleep: systemClock.sleep };

/**
 * One serial port used master-style: write a request, collect bytes until `parse` recognises a reply. Opens the
 * port on demand, so a port that vanished (USB adapter pulled, PTY gone) is reopened by the next exchange.
 * Never throws for line trouble: every failure is an `Exchange` status.
 *
 * A line is one RS-485 bus: exchanges take turns (one request on the wire at a time, as the master of a
 * half-duplex bus must), and each request goes out only once the line has been silent for t3.5 (Serial Line
 * V1.02 §2.5.1.1: 3.5 character times, 1.75 ms above 19200 baud), counted from the last byte seen either way.
 */
export class SerialLine {
  private port: SerialPortStream | undefined;
  private rx: Buffer = EMPTY;
  private downReason = 'port closed';
  private onChange: (() => void) | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  /** Wall time (`time.now()`) of the last byte received or of the end of the last request on the wire. */
  private lastActivity = Number.NEGATIVE_INFINITY;
  /** Silence the next exchange waits for before it writes: t3.5, or the quiet window after a timeout. */
  private quietMs = 0;
  private readonly time: Pick<Clock, 'now' | 'sleep'>;
  private readonly silenceMs: number;
  /** Time one character takes on the wire (11 bits, §2.5.1), to tell when a written request has left. */
  private readonly charMs: number;

  constructor(private readonly opts: SerialLineOptions) {
    this.time = opts.time ?? wallTime;
    this.silenceMs = interFrameSilenceMs(opts.baudRate);
    this.charMs = (11 * 1000) / opts.baudRate;
  }

  /** Bytes held for the pending exchange: none while idle, at most MAX_RTU_FRAME while one waits. */
  get buffered(): number {
    return this.rx.length;
  }

  /** One request/reply exchange, after the exchanges queued before it (any caller) have ended. */
  exchange<R>(
    request: Uint8Array,
    parse: (received: Buffer) => R | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
    /** True for a reply that is really line noise: the exchange then ends only once the line is quiet. */
    isNoise: (reply: R) => boolean = () => false,
    options: ExchangeOptions = {},
  ): Promise<Exchange<R>> {
    const next = this.turn.then(() => this.exchangeNow(request, parse, timeoutMs, signal, isNoise, options));
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async exchangeNow<R>(
    request: Uint8Array,
    parse: (received: Buffer) => R | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    isNoise: (reply: R) => boolean,
    options: ExchangeOptions,
  ): Promise<Exchange<R>> {
    if (signal?.aborted) return { status: 'aborted' };
    let port: SerialPortStream;
    try {
      port = await this.ensureOpen();
    } catch (err) {
      return { status: 'disconnected', message: `cannot open ${this.opts.path}: ${(err as Error).message}` };
    }
    // An abort while the port was opening fired before the listener below exists, and fires only once.
    if (signal?.aborted) return { status: 'aborted' };
    await this.silence(signal);
    if (signal?.aborted) return { status: 'aborted' };
    if (this.port !== port) return { status: 'disconnected', message: this.downReason };
    // Bytes left from a late reply or line noise belong to no request: drop them before asking again.
    this.rx = EMPTY;
    return new Promise((resolve) => {
      let done = false;
      let noise: R | undefined;
      let quiet: NodeJS.Timeout | undefined;
      const finish = (outcome: Exchange<R>) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(quiet);
        signal?.removeEventListener('abort', onAbort);
        if (this.onChange === check) this.onChange = undefined;
        resolve(outcome);
      };
      const check = () => {
        if (this.port !== port) return finish({ status: 'disconnected', message: this.downReason });
        if (noise !== undefined) {
          // Resynchronise: drop the rest of the burst until the line falls quiet.
          const reply = noise;
          this.rx = EMPTY;
          clearTimeout(quiet);
          quiet = setTimeout(() => finish({ status: 'reply', reply }), QUIET_MS);
          return;
        }
        const reply = parse(this.rx);
        if (reply === undefined) return;
        // Whatever follows a reply belongs to no request: dropped here and again before the next request.
        this.rx = EMPTY;
        if (!isNoise(reply)) return finish({ status: 'reply', reply });
        noise = reply;
        check();
      };
      const onAbort = () => {
        // The request is on the wire and its reply may still come: treat the line as after a timeout.
        this.quietAfter(options);
        finish({ status: 'aborted' });
      };
      const timer = setTimeout(() => {
        const received = this.rx.length;
        this.rx = EMPTY;
        if (noise === undefined) this.quietAfter(options);
        finish(noise !== undefined ? { status: 'reply', reply: noise } : { status: 'timeout', received });
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onChange = check;
      // Until the request has left the wire the line is busy, even if no byte comes back.
      this.lastActivity = this.time.now() + request.length * this.charMs;
      port.write(Buffer.from(request), (err) => {
        if (err)
          finish({ status: 'disconnected', message: `write to ${this.opts.path} failed: ${err.message}` });
      });
    });
  }

  /** The quiet window runs from now (the timeout), not from the request: a reply is late only after it. */
  private quietAfter(options: ExchangeOptions): void {
    this.quietMs = options.quietAfterTimeoutMs ?? 0;
    this.lastActivity = Math.max(this.lastActivity, this.time.now());
  }

  /**
   * Waits until nothing has crossed the line for t3.5, or for the quiet window a timeout asked for; bytes
   * arriving meanwhile (a late reply, another master, noise) are dropped by the 'data' handler and restart it.
   */
  private async silence(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const need = Math.max(this.silenceMs, this.quietMs);
      const idle = this.time.now() - this.lastActivity;
      if (idle >= need) break;
      await this.time.sleep(need - idle, signal);
      if (signal?.aborted) return;
    }
    this.quietMs = 0;
  }

  /** Idempotent. */
  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    this.downReason = 'source closed';
    this.onChange?.();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async ensureOpen(): Promise<SerialPortStream> {
    if (this.port?.isOpen) return this.port;
    this.port = undefined;
    const { path, baudRate, parity, binding } = this.opts;
    const port = await openSerialPort({ binding, path, baudRate, parity });
    port.on('data', (chunk: Buffer) => {
      if (this.port === port) this.lastActivity = this.time.now();
      // With no exchange waiting the bytes answer nothing (late reply, babbling line): drop them, keep nothing.
      if (this.port !== port || this.onChange === undefined) return;
      // No RTU frame is longer than MAX_RTU_FRAME (Serial Line V1.02 §2.5.1), so bytes beyond it cannot complete
      // a reply; the cap bounds memory and the copy per chunk while an exchange waits.
      const room = MAX_RTU_FRAME - this.rx.length;
      if (room <= 0) return;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.rx = this.rx.length === 0 ? part : Buffer.concat([this.rx, part]);
      this.onChange();
    });
    // node-serialport closes the stream with `disconnected: true` when the device goes away.
    port.on('close', (err: Error | null) => {
      if (this.port !== port) return;
      this.port = undefined;
      this.downReason = err ? `${path} disconnected: ${err.message}` : `${path} closed`;
      this.onChange?.();
    });
    this.port = port;
    return port;
  }
}
