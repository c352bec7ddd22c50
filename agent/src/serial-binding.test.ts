import { once } from 'node:events';
import type { BindingInterface, BindingPortInterface, OpenOptions } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { openSerialPort } from './serial-binding.js';

/**
 * A tty that was hung up: its first read answers bytes, every later one zero bytes (end of file), which is
 * what read(2) gives on a hung-up terminal instead of EIO.
 */
function hungUpTty(): BindingInterface {
  const open = async (options: OpenOptions): Promise<BindingPortInterface> => {
    let reads = 0;
    const port = {
      isOpen: true,
      openOptions: options,
      async read(buffer: Buffer, offset: number) {
        reads++;
        if (reads > 1) return { buffer, bytesRead: 0 };
        const n = buffer.write('$GNRMC\r\n', offset);
        return { buffer, bytesRead: n };
      },
      async close() {
        port.isOpen = false;
      },
      async write() {},
      async update() {},
      async set() {},
      async get() {
        return { cts: false, dsr: false, dcd: false };
      },
      async getBaudRate() {
        return { baudRate: options.baudRate };
      },
      async flush() {},
      async drain() {},
    };
    return port as unknown as BindingPortInterface;
  };
  return { list: async () => [], open } as unknown as BindingInterface;
}

describe('openSerialPort', () => {
  it('closes a port whose read hits end of file, as a disconnect naming the path', async () => {
    const port = await openSerialPort({
      binding: hungUpTty(),
      path: '/dev/ttyUSB9',
      baudRate: 9600,
      parity: 'none',
    });
    const chunks: Buffer[] = [];
    port.on('data', (c: Buffer) => chunks.push(c));
    const [err] = (await once(port, 'close')) as [(Error & { disconnected?: boolean }) | null];
    expect(Buffer.concat(chunks).toString()).toBe('$GNRMC\r\n');
    expect(err).toMatchObject({
      disconnected: true,
      message: '/dev/ttyUSB9: end of file (the device hung up)',
    });
    expect(port.isOpen).toBe(false);
  });
});
