import { EventEmitter, once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock, type Sample } from '@coldtrail/core';
import { startGpioDoor } from '@coldtrail/firmware-sim';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openGpioDoorSource } from './door-source.js';
import { openFileGpioPort } from './gpio-file-port.js';
import type { GpioLevel, GpioPort } from './gpio-port.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-door-vs-sim-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('door source against firmware-sim', () => {
  it.each([
    ['active high', false],
    ['active low, base 512', true],
  ])('reads one open and one close through the simulated bounce (%s)', async (_name, activeLow) => {
    // Two clocks stepped in lock-step, 1 ms at a time: the simulated door's, and the source's (polling at 1 ms,
    // debounce 20 ms). The source polls after each simulated millisecond, so it sees every bounce flip.
    const simClock = manualClock(0);
    const srcClock = manualClock(0);
    let simWrites = 0;
    const door = await startGpioDoor(
      {
        root,
        ...(activeLow ? { base: 512, activeLow: true } : {}),
        events: [
          { at: '100ms', state: 'open' },
          { at: '200ms', state: 'closed' },
        ],
        bounce: { flips: 3, within: '6ms' },
      },
      { clock: simClock, onWrite: () => simWrites++ },
    );
    const delivered = new EventEmitter();
    const levels: GpioLevel[] = [];
    const source = await openGpioDoorSource(`${door.address}&poll=1&debounce=20&sensor=door`, {
      timers: srcClock,
      openPort: async (o): Promise<GpioPort> => {
        const port = await openFileGpioPort({ ...o, root }, { timers: srcClock });
        return {
          ...port,
          watch: (onLevel) =>
            port.watch((l) => {
              onLevel(l);
              levels.push(l);
              delivered.emit('level');
            }),
        };
      },
    });
    const samples: Sample[] = [...(await source.read())];
    for (let ms = 0; ms < 300; ms++) {
      while (simClock.pending() === 0) await new Promise((r) => setImmediate(r));
      const n = simWrites;
      simClock.advance(1);
      // A write falls due: wait until the sim has written it and sleeps again.
      while (simWrites === n && simClock.pending() === 0) await new Promise((r) => setImmediate(r));
      while (simClock.pending() === 0) await new Promise((r) => setImmediate(r));
      const polled = once(delivered, 'level');
      srcClock.advance(1);
      await polled;
      if (ms % 50 === 49) samples.push(...(await source.read()));
    }
    const changes = levels.filter((l, i) => i > 0 && l !== levels[i - 1]).length;
    expect(changes).toBe(2 * (1 + 2 * 3)); // every flip of both bounces reached the source...
    const door01 = samples.map((s) => (s.kind === 'door' ? s.value : s.kind));
    // ...and it recorded only the two real edges: reads at start, 49, 99, 149 (open at ~126), 199, 249 (closed at ~226), 299.
    expect(door01).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0]);
    await source.close();
    await door.close();
  });
});
