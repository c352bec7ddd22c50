import { execFileSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManualClock, manualClock } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sensorSourceContract } from '../sensor-source.contract.js';
import type { SensorSource } from '../sensor-source.js';
import { MAX_EDGES_PER_READ, openGpioDoorSource } from './door-source.js';
import { openFileGpioPort } from './gpio-file-port.js';
import type { GpioLevel, GpioPort, GpioPortOptions } from './gpio-port.js';

/**
 * Real value files in a temp dir, polled by the file adapter on a manual clock: each `poll()` moves time by one
 * poll period and waits until that poll's read of the real file reached the door source.
 */
interface Rig {
  root: string;
  clock: ManualClock;
  source: SensorSource;
  /** Writes the pin level (atomically, as firmware-sim does). */
  level(v: GpioLevel | string): Promise<void>;
  /** One poll period passes; resolves once its read of the file was delivered. */
  poll(): Promise<void>;
  /** Port reads issued by the door source (not the poller). */
  reads: EventEmitter;
}

const POLL_MS = 5;
let root: string;
let opened: SensorSource[];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-gpio-'));
  opened = [];
});
afterEach(async () => {
  for (const s of opened) await s.close();
  await rm(root, { recursive: true, force: true });
});

async function writeLevel(dir: string, gpio: number, v: GpioLevel | string): Promise<void> {
  const d = join(dir, `gpio${gpio}`);
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'value.tmp'), `${v}\n`);
  await rename(join(d, 'value.tmp'), join(d, 'value'));
}

/** The file adapter, with its deliveries and the source's own reads observable. */
function observedPort(clock: ManualClock, delivered: EventEmitter, reads: EventEmitter) {
  return async (o: GpioPortOptions): Promise<GpioPort> => {
    const port = await openFileGpioPort({ ...o, root: o.root ?? '/nonexistent' }, { timers: clock });
    return {
      ...port,
      read: () => {
        reads.emit('read');
        return port.read();
      },
      watch: (onLevel) =>
        port.watch((l) => {
          onLevel(l);
          delivered.emit('level', l);
        }),
    };
  };
}

async function rig(query = '', gpio = 17, initial: GpioLevel = 0): Promise<Rig> {
  const clock = manualClock();
  const delivered = new EventEmitter();
  const reads = new EventEmitter();
  await writeLevel(root, gpio, initial);
  const source = await openGpioDoorSource(`gpio://17?root=${root}&sensor=door${query}`, {
    timers: clock,
    openPort: observedPort(clock, delivered, reads),
  });
  opened.push(source);
  return {
    root,
    clock,
    source,
    reads,
    level: (v) => writeLevel(root, gpio, v),
    poll: async () => {
      const seen = once(delivered, 'level');
      clock.advance(POLL_MS);
      await seen;
    },
  };
}

const door = (value: number) => ({ sensor: 'door', kind: 'door', value, unit: 'C62' });
/** Contact bounce: the level flips `flips` times, one poll apart, ending at `to`. */
async function bounce(r: Rig, to: GpioLevel, flips = 5): Promise<void> {
  for (let i = flips - 1; i >= 0; i--) {
    await r.level(i % 2 === 0 ? to : ((1 - to) as GpioLevel));
    await r.poll();
  }
}

describe('door contact on a GPIO value file', () => {
  it('reads the state each cycle, and one sample per debounced edge despite contact bounce', async () => {
    const r = await rig('&debounce=50');
    expect(await r.source.read()).toEqual([door(0)]);
    await bounce(r, 1);
    expect(await r.source.read()).toEqual([door(0)]); // still bouncing: not yet 50 ms stable
    for (let i = 0; i < 10; i++) await r.poll();
    expect(await r.source.read()).toEqual([door(1), door(1)]);
    expect(await r.source.read()).toEqual([door(1)]);
    await bounce(r, 0);
    for (let i = 0; i < 10; i++) await r.poll();
    expect(await r.source.read()).toEqual([door(0), door(0)]);
  });

  it('keeps an open-and-close between two reads, in order', async () => {
    const r = await rig('&debounce=20');
    await r.source.read();
    await bounce(r, 1, 3);
    for (let i = 0; i < 5; i++) await r.poll();
    await bounce(r, 0, 3);
    for (let i = 0; i < 5; i++) await r.poll();
    expect(await r.source.read()).toEqual([door(1), door(0), door(0)]);
  });

  it('records no edge for a glitch shorter than the debounce time', async () => {
    const r = await rig('&debounce=50');
    await r.source.read();
    await r.level(1);
    await r.poll();
    await r.poll();
    await r.level(0);
    for (let i = 0; i < 20; i++) await r.poll();
    expect(await r.source.read()).toEqual([door(0)]);
  });

  it('inverts the level with active=low (a low pin is an open door)', async () => {
    const r = await rig('&active=low&debounce=10', 17, 1);
    expect(await r.source.read()).toEqual([door(0)]);
    await r.level(0);
    for (let i = 0; i < 4; i++) await r.poll();
    expect(await r.source.read()).toEqual([door(1), door(1)]);
  });

  it('records only openings with edge=rising, and polls the bare level with edge=none', async () => {
    const r = await rig('&edge=rising&debounce=0');
    await r.source.read();
    await bounce(r, 1, 1);
    await bounce(r, 0, 1);
    expect(await r.source.read()).toEqual([door(1), door(0)]);
    const n = await rig('&edge=none', 18);
    await writeLevel(root, 17, 1);
    expect(await n.source.read()).toEqual([door(1)]);
    expect(n.clock.pending()).toBe(0); // nothing watches the line
  });

  it('reads the line the base offset names (gpio://17?base=512 is sysfs gpio529)', async () => {
    const clock = manualClock();
    await writeLevel(root, 529, 1);
    await writeLevel(root, 17, 0);
    const source = await openGpioDoorSource(`gpio://17?root=${root}&base=512&sensor=door`, { timers: clock });
    opened.push(source);
    expect(await source.read()).toEqual([door(1)]);
  });

  it('reports a vanished line as disconnected and a bad value as garbage, and reads on when it is back', async () => {
    const r = await rig();
    await r.source.read();
    await rm(join(root, 'gpio17'), { recursive: true });
    const gone = await r.source.read();
    expect(gone).toEqual([expect.objectContaining({ kind: 'fault', fault: 'disconnected', sensor: 'door' })]);
    await r.level('x');
    expect(await r.source.read()).toEqual([
      expect.objectContaining({
        kind: 'fault',
        fault: 'garbage',
        message: expect.stringMatching(/not 0 or 1/),
      }),
    ]);
    await r.level(0);
    expect(await r.source.read()).toEqual([door(0)]);
  });

  it(`reports more than ${MAX_EDGES_PER_READ} edges between reads as a fault instead of buffering them all`, async () => {
    const clock = manualClock();
    let onLevel: (l: GpioLevel) => void = () => {};
    const port: GpioPort = {
      gpio: 17,
      read: async () => 0,
      watch: (f) => {
        onLevel = f;
        return () => {};
      },
      write: async () => {},
      close: async () => {},
    };
    const source = await openGpioDoorSource('gpio://17?debounce=0&sensor=door', {
      timers: clock,
      openPort: async () => port,
    });
    opened.push(source);
    await source.read();
    for (let i = 0; i < MAX_EDGES_PER_READ + 10; i++) onLevel((i % 2 === 0 ? 1 : 0) as GpioLevel);
    const samples = await source.read();
    expect(samples.filter((s) => s.kind === 'door')).toHaveLength(MAX_EDGES_PER_READ + 1);
    expect(samples.at(-2)).toMatchObject({
      kind: 'fault',
      fault: 'garbage',
      message: expect.stringMatching(/10 more edges/),
    });
  });

  it('times out a hung line read, and waits on that same read next cycle instead of starting another', async () => {
    const clock = manualClock();
    let reads = 0;
    let answer: (l: GpioLevel) => void = () => {};
    const port: GpioPort = {
      gpio: 17,
      read: () => {
        reads++;
        return new Promise<GpioLevel>((r) => {
          answer = r;
        });
      },
      watch: () => () => {},
      write: async () => {},
      close: async () => {},
    };
    const source = await openGpioDoorSource('gpio://17?sensor=door&timeout=100', {
      timers: clock,
      openPort: async () => port,
    });
    opened.push(source);
    const first = source.read();
    clock.advance(100);
    expect(await first).toEqual([expect.objectContaining({ kind: 'fault', fault: 'timeout' })]);
    const second = source.read();
    expect(reads).toBe(1);
    answer(1);
    expect(await second).toEqual([door(1)]);
  });

  it('refuses an output address', async () => {
    await expect(openGpioDoorSource(`gpio://17?direction=out&root=${root}`)).rejects.toThrow(
      /must be an input/,
    );
  });
});

/** Makes `path` a FIFO: a read of it blocks until a writer comes, the way a hung line would. */
function mkfifo(path: string): void {
  try {
    execFileSync('mkfifo', [path]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error('mkfifo is needed for the silent-line contract tests: apt-get install -y coreutils');
  }
}

sensorSourceContract('GPIO door contact on real value files', async ({ timeoutMs }) => {
  const dir = await mkdtemp(join(tmpdir(), 'coldtrail-gpio-contract-'));
  await writeLevel(dir, 17, 0);
  const clock = manualClock();
  const reads = new EventEmitter();
  let called = 0;
  let taken = 0;
  reads.on('read', () => called++);
  const address = `gpio://17?root=${dir}&sensor=door&timeout=${timeoutMs}`;
  const source = await openGpioDoorSource(address, {
    timers: clock,
    openPort: observedPort(clock, new EventEmitter(), reads),
  });
  const value = join(dir, 'gpio17', 'value');
  return {
    source,
    address,
    respond: () => {},
    waiting: async () => {
      while (called <= taken) await once(reads, 'read');
      taken++;
    },
    silence: async () => {
      await rm(value);
      mkfifo(value);
    },
    unplug: () => rm(join(dir, 'gpio17'), { recursive: true, force: true }),
    elapse: (ms) => clock.advance(ms),
    release: async () => {
      try {
        const fh = await open(value, constants.O_WRONLY | constants.O_NONBLOCK);
        await fh.close();
      } catch {
        // no reader blocked on it, or no FIFO
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
});
