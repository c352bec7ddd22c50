import type { BindingInterface } from '@coldtrail/core';
import { SerialPortStream } from '@serialport/stream';
import { describe, expect, it } from 'vitest';
import { createInProcessBinding } from './in-process-binding.js';
import { openInProcessPair } from './serial-pair.js';

async function open(binding: BindingInterface, path: string): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding, path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

function collect(port: SerialPortStream, bytes: number): Promise<{ data: Buffer; chunks: number }> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    let chunks = 0;
    port.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c]);
      chunks++;
      if (data.length >= bytes) resolve({ data, chunks });
    });
  });
}

describe('in-process serial binding for node-serialport', () => {
  it('carries bytes both ways through SerialPortStream, in chunks no larger than maxReadSize', async () => {
    const pair = openInProcessPair({ maxReadSize: 3 });
    const dev = await open(pair.binding, pair.devicePath);
    const host = await open(pair.binding, pair.hostPath);
    const toDev = collect(dev, 10);
    host.write(Buffer.from('0123456789'));
    const got = await toDev;
    expect(got.data.toString()).toBe('0123456789');
    expect(got.chunks).toBeGreaterThanOrEqual(4);
    const toHost = collect(host, 2);
    dev.write(Buffer.from('ok'));
    expect((await toHost).data.toString()).toBe('ok');
    expect(await pair.binding.list()).toHaveLength(2);
    await new Promise((r) => host.close(r));
    await new Promise((r) => dev.close(r));
    await pair.close();
  });

  it('refuses unknown paths and a second open of the same end', async () => {
    const pair = openInProcessPair();
    await expect(open(pair.binding, '/dev/nowhere')).rejects.toThrow(/no such serial port/);
    const dev = await open(pair.binding, pair.devicePath);
    await expect(open(pair.binding, pair.devicePath)).rejects.toThrow(/locked/);
    await new Promise((r) => dev.close(r));
    await pair.close();
  });

  it('closes open ports with disconnected=true when the cable is pulled, and can be linked again', async () => {
    const binding = createInProcessBinding();
    binding.link('/a', '/b');
    const a = await open(binding, '/a');
    a.on('data', () => {});
    a.on('error', () => {});
    const closed = new Promise<(Error & { disconnected?: boolean }) | null>((r) => a.once('close', r));
    binding.unlink('/b');
    expect((await closed)?.disconnected).toBe(true);
    await expect(open(binding, '/a')).rejects.toThrow(/no such serial port/);
    binding.link('/a', '/b');
    const again = await open(binding, '/a');
    expect(again.isOpen).toBe(true);
    await new Promise((r) => again.close(r));
  });

  it('answers the control-line and settings calls of the binding interface', async () => {
    const binding = createInProcessBinding();
    binding.link('/x', '/y');
    const port = await binding.open({ path: '/x', baudRate: 9600 });
    expect(port.openOptions).toMatchObject({ dataBits: 8, stopBits: 1, parity: 'none', baudRate: 9600 });
    await port.update({ baudRate: 19200 });
    expect(await port.getBaudRate()).toEqual({ baudRate: 19200 });
    await port.set({ dtr: true });
    expect(await port.get()).toEqual({ cts: false, dsr: false, dcd: false });
    await port.flush();
    await port.drain();
    const pending = port.read(Buffer.alloc(8), 0, 8);
    await port.close();
    await expect(pending).rejects.toMatchObject({ canceled: true });
    await expect(port.close()).rejects.toThrow(/not open/);
  });
});
