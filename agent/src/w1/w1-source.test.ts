import { execFileSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensorSourceContract } from '../sensor-source.contract.js';
import { crc8 } from './ds18b20.js';
import { parseW1Address } from './w1-address.js';
import { openW1Source } from './w1-source.js';

const ID = '28-0000075565c1';
const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
/** The kernel's w1_slave text for a 12-bit DS18B20 holding `raw`; `mangle` alters the bytes after the CRC. */
function w1Text(raw: number, mangle?: (b: number[]) => void): string {
  const b = [raw & 0xff, (raw >> 8) & 0xff, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  b.push(crc8(b));
  mangle?.(b);
  const crc = crc8(b, 8);
  const t = Math.trunc((((raw << 16) >> 16) * 1000) / 16);
  return `${hex(b)} : crc=${hex([crc])} ${crc === b[8] ? 'YES' : 'NO'}\n${hex(b)} t=${t}\n`;
}

/** Makes `path` a FIFO: opening it blocks until a writer comes, the way a read hangs on a sick 1-Wire bus. */
function mkfifo(path: string): void {
  try {
    execFileSync('mkfifo', [path]);
  } catch (err) {
    throw new Error(
      `mkfifo (coreutils) is needed for the hanging-read tests: apt-get install -y coreutils (${err})`,
    );
  }
}
/** Lets every read blocked on the FIFO go on: a writer opens it and closes (EOF). For clean-up. */
async function releaseFifo(path: string): Promise<void> {
  try {
    const fh = await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    await fh.close();
  } catch {
    // ENXIO: no reader is blocked on it; ENOENT: it is gone. Nothing to release.
  }
}
/** Answers the read blocked on the FIFO with `text`: the open waits for that reader, however late it comes. */
async function answerFifo(path: string, text: string): Promise<void> {
  const fh = await open(path, 'w');
  await fh.write(text);
  await fh.close();
}

let root: string;
let fifos: string[];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-w1-'));
  fifos = [];
});
afterEach(async () => {
  for (const f of fifos) await releaseFifo(f);
  await rm(root, { recursive: true, force: true });
});

const slave = () => join(root, ID, 'w1_slave');
async function put(text: string): Promise<void> {
  await mkdir(join(root, ID), { recursive: true });
  await rm(slave(), { force: true }); // it may be a FIFO, which a write would block on
  await writeFile(slave(), text);
}
async function hang(): Promise<string> {
  await mkdir(join(root, ID), { recursive: true });
  await rm(slave(), { force: true });
  mkfifo(slave());
  fifos.push(slave());
  return slave();
}
const address = (extra = '') => `w1://${ID}?root=${encodeURIComponent(root)}${extra}`;
const fault = (code: string, message: RegExp = /./) => ({
  sensor: ID,
  kind: 'fault',
  fault: code,
  message: expect.stringMatching(message),
});

describe('parseW1Address', () => {
  it('reads the device, root, sensor and timeout', () => {
    expect(parseW1Address('w1://28-00000abc')).toEqual({
      id: '28-00000abc',
      root: '/sys/bus/w1/devices',
      sensor: '28-00000abc',
      timeoutMs: 2000,
    });
    expect(parseW1Address('w1://28-00000ABC?root=/tmp/w1/&sensor=hold-1&timeout=900')).toEqual({
      id: '28-00000abc',
      root: '/tmp/w1',
      sensor: 'hold-1',
      timeoutMs: 900,
    });
  });

  it('lists every problem at once', () => {
    expect(() => parseW1Address('w1://10-00000abc/x?root=rel&timeout=0&sensor=a%20b&speed=1')).toThrow(
      /family 10 is not a DS18B20[\s\S]*path:[\s\S]*speed: unknown[\s\S]*root: must be an absolute[\s\S]*timeout:[\s\S]*sensor:/,
    );
    expect(() => parseW1Address('w1://probe')).toThrow(/not a 1-Wire device name/);
    expect(() => parseW1Address('not a url')).toThrow(/not a URL/);
  });
});

describe('DS18B20 source on real files', () => {
  it('reads a temperature from w1_slave', async () => {
    await put(w1Text(0x0191));
    const source = await openW1Source(address('&sensor=hold-1'));
    expect(await source.read()).toEqual([
      { sensor: 'hold-1', kind: 'temperature', value: 25.0625, unit: 'CEL' },
    ]);
    await put(w1Text(0xff5e));
    expect(await source.read()).toEqual([
      { sensor: 'hold-1', kind: 'temperature', value: -10.125, unit: 'CEL' },
    ]);
    await source.close();
  });

  it('turns each bad file into its fault, and reads on', async () => {
    const source = await openW1Source(address());
    const cases: [string, ReturnType<typeof fault>][] = [
      [w1Text(0x0191, (b) => b.splice(8, 1, 0)), fault('crc', /crc=.. NO/)],
      [w1Text(0x0550), fault('power-on-value', /85 °C/)],
      [`${'00 '.repeat(9)}: crc=00 YES\n${'00 '.repeat(9)}t=0\n`, fault('garbage', /all-zero/)],
      [w1Text(0x07e0), fault('out-of-range', /126 °C/)],
      ['\u0000\u0001 not a scratchpad', fault('garbage', /not a w1_slave text/)],
      ['x'.repeat(100_000), fault('garbage', /…/)],
    ];
    for (const [text, expected] of cases) {
      await put(text);
      expect(await source.read()).toEqual([expected]);
    }
    await put(w1Text(0x0008));
    expect(await source.read()).toEqual([{ sensor: ID, kind: 'temperature', value: 0.5, unit: 'CEL' }]);
    await source.close();
  });

  it('reports a vanished device directory as disconnected, and reads again when it reappears', async () => {
    await put(w1Text(0x0191));
    const source = await openW1Source(address());
    expect((await source.read())[0]).toMatchObject({ kind: 'temperature' });
    await rm(join(root, ID), { recursive: true });
    expect(await source.read()).toEqual([fault('disconnected', /not on the bus/)]);
    expect(await source.read()).toEqual([fault('disconnected', /not on the bus/)]);
    await put(w1Text(0xfe6f));
    expect(await source.read()).toEqual([{ sensor: ID, kind: 'temperature', value: -25.0625, unit: 'CEL' }]);
    await source.close();
  });

  it('says the 1-Wire driver is missing when the whole root is', async () => {
    const source = await openW1Source(`w1://${ID}?root=${encodeURIComponent(join(root, 'none'))}`);
    expect(await source.read()).toEqual([fault('disconnected', /1-Wire driver loaded/)]);
    await source.close();
  });

  it('ends a hanging read as a timeout, keeps that one read in flight, and takes its late answer', async () => {
    const fifo = await hang();
    const clock = manualClock();
    const opened: string[] = [];
    const reads = new EventEmitter();
    const source = await openW1Source(address('&timeout=750'), {
      timers: clock,
      readFile: (path) => {
        opened.push(path);
        reads.emit('read');
        return readFile(path, 'latin1');
      },
    });
    const first = source.read();
    clock.advance(749);
    clock.advance(1);
    expect(await first).toEqual([fault('timeout', /within 750 ms/)]);
    const second = source.read();
    expect(opened).toHaveLength(1); // the hung read is waited on again, not doubled
    await answerFifo(fifo, w1Text(0x00a2));
    expect(await second).toEqual([{ sensor: ID, kind: 'temperature', value: 10.125, unit: 'CEL' }]);
    await put(w1Text(0x0191));
    const third = source.read();
    expect(await third).toEqual([{ sensor: ID, kind: 'temperature', value: 25.0625, unit: 'CEL' }]);
    expect(opened).toHaveLength(2);
    await source.close();
  });

  it('rejects a read waiting on the bus when the source closes, and every read after', async () => {
    await hang();
    const source = await openW1Source(address('&timeout=60000'));
    const read = source.read();
    await source.close();
    await expect(read).rejects.toThrow(/closed/);
    await expect(source.read()).rejects.toThrow(/closed/);
  });
});

sensorSourceContract('DS18B20 source on real w1 files', async ({ timeoutMs }) => {
  const dir = await mkdtemp(join(tmpdir(), 'coldtrail-w1-contract-'));
  const device = join(dir, ID);
  await mkdir(device);
  await writeFile(join(device, 'w1_slave'), w1Text(0x0191));
  const clock = manualClock();
  const calls = new EventEmitter();
  let called = 0;
  let taken = 0;
  const addr = `w1://${ID}?root=${encodeURIComponent(dir)}&timeout=${timeoutMs}`;
  const source = await openW1Source(addr, {
    timers: clock,
    readFile: (path) => {
      called++;
      calls.emit('read');
      return readFile(path, 'latin1');
    },
  });
  const fifo = join(device, 'w1_slave');
  return {
    source,
    address: addr,
    respond: () => {},
    waiting: async () => {
      while (called <= taken) await once(calls, 'read');
      taken++;
    },
    silence: async () => {
      await rm(fifo);
      mkfifo(fifo);
    },
    unplug: () => rm(device, { recursive: true, force: true }),
    elapse: (ms) => clock.advance(ms),
    release: async () => {
      await releaseFifo(fifo);
      await rm(dir, { recursive: true, force: true });
    },
  };
});
