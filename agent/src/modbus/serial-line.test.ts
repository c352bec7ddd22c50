import type { BindingInterface } from '@coldtrail/core';
import { MAX_RTU_FRAME } from '@coldtrail/core';
import { openInProcessPair, type SerialPair } from '@coldtrail/firmware-sim';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialLine } from './serial-line.js';

const REQUEST = Buffer.from('ping');
const REPLY = Buffer.from('pong');
const BABBLE = Buffer.alloc(1024 * 1024, 0x55);
const parsePong = (rx: Buffer) => (rx.equals(REPLY) ? 'pong' : undefined);

/** The binding, with a count of the bytes the port at `path` has read off the line. */
function countingBinding(binding: BindingInterface, path: string) {
  const counter = { bytes: 0 };
  const wrapped: BindingInterface = {
    list: () => binding.list(),
    async open(options) {
      const port = await binding.open(options);
      if (options.path === path) {
        const read = port.read.bind(port);
        port.read = async (buffer, offset, length) => {
          const r = await read(buffer, offset, length);
          counter.bytes += r.bytesRead;
          return r;
        };
      }
      return port;
    },
  };
  return { binding: wrapped, counter };
}

/** Checks `condition` once per event-loop turn, so every 'data' event of bytes already read has fired. */
async function until(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns++) {
    if (turns > 100_000) throw new Error('condition never held');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SerialLine', () => {
  let pair: SerialPair;
  let device: SerialPortStream | undefined;
  let line: SerialLine;
  let counter: { bytes: number };

  beforeEach(() => {
    // Large reads keep 1 MB to a few chunks.
    pair = openInProcessPair({ maxReadSize: 65_536 });
    const counting = countingBinding(pair.binding, pair.hostPath);
    counter = counting.counter;
    line = new SerialLine({ path: pair.hostPath, baudRate: 9600, parity: 'none', binding: counting.binding });
  });

  afterEach(async () => {
    await line.close();
    if (device?.isOpen) await new Promise((resolve) => device?.close(resolve));
    device = undefined;
    await pair.close();
  });

  /** Opens the far end; every request there is answered with `answer()`. */
  async function openDevice(answer: () => Buffer): Promise<SerialPortStream> {
    const port = new SerialPortStream({
      binding: pair.binding,
      path: pair.devicePath,
      baudRate: 9600,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    let got = Buffer.alloc(0);
    port.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.includes(REQUEST)) {
        got = Buffer.alloc(0);
        port.write(answer());
      }
    });
    device = port;
    return port;
  }

  it('drops a babbling line between exchanges, caps it during one, and still reads afterwards', async () => {
    let answer = REPLY;
    const dev = await openDevice(() => answer);
    expect(await line.exchange(REQUEST, parsePong, 1_000)).toEqual({ status: 'reply', reply: 'pong' });

    // 1 MB while no request waits: read off the line and dropped, none of it kept.
    dev.write(BABBLE);
    await until(() => counter.bytes >= REPLY.length + BABBLE.length);
    expect(line.buffered).toBe(0);
    expect(await line.exchange(REQUEST, parsePong, 1_000)).toEqual({ status: 'reply', reply: 'pong' });

    // 1 MB as the "reply" to a request: at most one RTU frame is held.
    answer = BABBLE;
    expect(await line.exchange(REQUEST, () => undefined, 100)).toEqual({
      status: 'timeout',
      received: MAX_RTU_FRAME,
    });
    await until(() => counter.bytes >= 2 * REPLY.length + 2 * BABBLE.length);
    expect(line.buffered).toBe(0);
    answer = REPLY;
    expect(await line.exchange(REQUEST, parsePong, 1_000)).toEqual({ status: 'reply', reply: 'pong' });
  });

  it('observes an abort that comes while the port is opening', async () => {
    await openDevice(() => REPLY);
    const abort = new AbortController();
    const exchange = line.exchange(REQUEST, parsePong, 1_000, abort.signal);
    abort.abort();
    expect(await exchange).toEqual({ status: 'aborted' });
  });
});
