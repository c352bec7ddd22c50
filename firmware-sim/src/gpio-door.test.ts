import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManualClock, manualClock } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGpioDoor } from './gpio-door.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-door-sim-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

type Write = { at: number; level: 0 | 1; settled: boolean };
/** Moves time 1 ms at a time, letting the simulation write, until `done` holds. */
async function runUntil(clock: ManualClock, writes: Write[], done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 100_000) throw new Error('the simulation never got there');
    while (clock.pending() === 0) await new Promise((r) => setImmediate(r));
    const n = writes.length;
    clock.advance(1);
    // A sleep that ended is followed by a write: wait for it (or for the loop to sleep again).
    while (writes.length === n && clock.pending() === 0) await new Promise((r) => setImmediate(r));
  }
}

describe('simulated door contact', () => {
  it('writes each open and close with contact bounce that settles on the new level', async () => {
    const clock = manualClock(0);
    const writes: Write[] = [];
    const door = await startGpioDoor(
      {
        root,
        events: [
          { at: '1s', state: 'open' },
          { at: '3s', state: 'closed' },
        ],
        bounce: { flips: 2, within: '4ms' },
      },
      { clock, onWrite: (w) => writes.push(w) },
    );
    expect(door).toMatchObject({ kind: 'gpio', address: `gpio://17?root=${root}` });
    expect(await readFile(join(root, 'gpio17', 'value'), 'utf8')).toBe('0\n');
    await runUntil(clock, writes, () => writes.filter((w) => w.settled).length === 3);
    expect(writes.map((w) => [w.at, w.level, w.settled])).toEqual([
      [0, 0, true],
      [1000, 1, false],
      [1001, 0, false],
      [1002, 1, false],
      [1003, 0, false],
      [1004, 1, true],
      [3000, 0, false],
      [3001, 1, false],
      [3002, 0, false],
      [3003, 1, false],
      [3004, 0, true],
    ]);
    expect(await readFile(door.valuePath, 'utf8')).toBe('0\n');
    await door.close();
    await door.close();
    expect(existsSync(join(root, 'gpio17'))).toBe(false);
  });

  it('repeats its events, inverts with activeLow, and writes the line the base names', async () => {
    const clock = manualClock(0);
    const writes: Write[] = [];
    const door = await startGpioDoor(
      {
        root,
        pin: 17,
        base: 512,
        activeLow: true,
        events: [
          { at: '100ms', state: 'open' },
          { at: '200ms', state: 'closed' },
        ],
        repeat: '1s',
        bounce: { flips: 0 },
      },
      { clock, onWrite: (w) => writes.push(w) },
    );
    expect(door.address).toBe(`gpio://17?root=${root}&base=512&active=low`);
    await runUntil(clock, writes, () => writes.length === 5);
    expect(writes.map((w) => [w.at, w.level])).toEqual([
      [0, 1],
      [100, 0],
      [200, 1],
      [1100, 0],
      [1200, 1],
    ]);
    expect(await readFile(join(root, 'gpio529', 'value'), 'utf8')).toBe('1\n');
    await door.close();
  });

  it('refuses a bad config with every problem as path: message', async () => {
    await expect(
      startGpioDoor({
        root,
        pin: 2000,
        events: [{ at: '2s', state: 'ajar' }],
        repeat: '1s',
        bounce: { within: 'x' },
      }),
    ).rejects.toThrow(/pin:[\s\S]*events\[0\]\.state[\s\S]*bounce\.within/);
  });
});
