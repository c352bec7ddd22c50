import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@coldtrail/core';

/**
 * A node-serialport binding whose ports are the two ends of an in-process null-modem cable: bytes written at
 * one end are read at the other. `new SerialPortStream({ binding, path, baudRate })` works on it exactly as on
 * a real port, so the simulator and the agent exchange the same Modbus RTU bytes they would over a PTY, with
 * nothing but Node. Modelled on @serialport/binding-mock (same promise API and `canceled` errors), without its
 * module-level port table, so each test or demo owns its own cable.
 */
export interface InProcessBinding extends BindingInterface<InProcessPort> {
  /** Lays a cable between two new paths. */
  link(pathA: string, pathB: string): void;
  /**
   * Pulls the cable out: open ports at both ends fail their pending reads the way a vanished USB adapter
   * does (the stream closes with `disconnected: true`) and both paths disappear until linked again.
   */
  unlink(path: string): void;
}

export interface InProcessBindingOptions {
  /** Largest read the ports return, to split frames across chunks the way a UART FIFO does. Default 64. */
  maxReadSize?: number;
}

/** A read failure that node-serialport treats as a deliberate close (not a disconnect). */
class CanceledError extends Error {
  readonly canceled = true;
}

interface End {
  path: string;
  peer: End | undefined;
  port: InProcessPort | undefined;
}

const OPEN_DEFAULTS = {
  dataBits: 8,
  lock: true,
  stopBits: 1,
  parity: 'none',
  rtscts: false,
  xon: false,
  xoff: false,
  xany: false,
  hupcl: true,
} as const;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InProcessPort implements BindingPortInterface {
  isOpen = true;
  private rx: Buffer[] = [];
  private waiting: ((err?: Error) => void) | undefined;
  private gone: Error | undefined;

  constructor(
    readonly openOptions: Required<OpenOptions>,
    private readonly end: End,
    private readonly maxReadSize: number,
  ) {}

  /** Called by the peer: bytes arriving on this port's receive line. */
  deliver(data: Buffer): void {
    this.rx.push(data);
    this.wake();
  }

  /** The cable was pulled. */
  disconnect(): void {
    this.gone = new Error(`serial port ${this.end.path} disconnected`);
    this.wake(this.gone);
  }

  private wake(err?: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(err);
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.rx = [];
    if (this.end.port === this) this.end.port = undefined;
    this.wake(new CanceledError('port is closed'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    for (;;) {
      if (!this.isOpen) throw new CanceledError('Read canceled');
      if (this.gone) throw this.gone;
      const head = this.rx[0];
      if (head) {
        const n = Math.min(length, this.maxReadSize, head.length);
        head.copy(buffer, offset, 0, n);
        if (n === head.length) this.rx.shift();
        else this.rx[0] = head.subarray(n);
        return { buffer, bytesRead: n };
      }
      await new Promise<void>((resolve, reject) => {
        this.waiting = (err) => (err ? reject(err) : resolve());
      });
    }
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    if (this.gone) throw this.gone;
    const data = Buffer.from(buffer);
    await tick();
    // Bytes sent while nobody listens at the far end are lost, as on a real line.
    this.end.peer?.port?.deliver(data);
  }

  async update(options: UpdateOptions): Promise<void> {
    if (typeof options?.baudRate !== 'number') throw new TypeError('"options.baudRate" is not a number');
    this.assertOpen();
    this.openOptions.baudRate = options.baudRate;
  }

  async set(_options: SetOptions): Promise<void> {
    this.assertOpen();
  }

  async get(): Promise<PortStatus> {
    this.assertOpen();
    const peerOpen = this.end.peer?.port !== undefined;
    return { cts: peerOpen, dsr: peerOpen, dcd: peerOpen };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.assertOpen();
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.assertOpen();
    this.rx = [];
  }

  async drain(): Promise<void> {
    this.assertOpen();
    await tick();
  }

  private assertOpen(): void {
    if (!this.isOpen) throw new Error('Port is not open');
    if (this.gone) throw this.gone;
  }
}

export function createInProcessBinding(options: InProcessBindingOptions = {}): InProcessBinding {
  const maxReadSize = options.maxReadSize ?? 64;
  if (!Number.isInteger(maxReadSize) || maxReadSize < 1) throw new RangeError('maxReadSize must be >= 1');
  const ends = new Map<string, End>();

  return {
    link(pathA, pathB) {
      if (pathA === pathB) throw new Error('a cable needs two different paths');
      for (const p of [pathA, pathB]) if (ends.has(p)) throw new Error(`serial path ${p} is already linked`);
      const a: End = { path: pathA, peer: undefined, port: undefined };
      const b: End = { path: pathB, peer: a, port: undefined };
      a.peer = b;
      ends.set(pathA, a);
      ends.set(pathB, b);
    },

    unlink(path) {
      const a = ends.get(path);
      if (!a) return;
      for (const end of [a, a.peer]) {
        if (!end) continue;
        ends.delete(end.path);
        end.port?.disconnect();
        end.port = undefined;
      }
    },

    async list(): Promise<PortInfo[]> {
      return [...ends.keys()].map((path) => ({
        path,
        manufacturer: 'coldtrail firmware-sim',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      }));
    },

    async open(opts: OpenOptions): Promise<InProcessPort> {
      if (!opts || typeof opts !== 'object') throw new TypeError('"options" is not an object');
      if (!opts.path) throw new TypeError('"path" is not a valid port');
      if (!opts.baudRate) throw new TypeError('"baudRate" is not a valid baudRate');
      await tick();
      const end = ends.get(opts.path);
      if (!end) throw new Error(`no such serial port: ${opts.path} (Error: ENOENT)`);
      if (end.port) throw new Error(`serial port ${opts.path} is locked by another open`);
      const port = new InProcessPort(
        { ...OPEN_DEFAULTS, ...opts } as Required<OpenOptions>,
        end,
        maxReadSize,
      );
      end.port = port;
      return port;
    },
  };
}
