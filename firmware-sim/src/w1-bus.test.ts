import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startW1Probe, type W1ProbeState } from './w1-bus.js';
import { celsiusToRaw, dallasCrc8, scratchpadFor, w1SlaveText } from './w1-scratchpad.js';

describe('DS18B20 scratchpad', () => {
  it('computes the 1-Wire CRC of Maxim application note 27 (02 1C B8 01 00 00 00 -> A2)', () => {
    expect(dallasCrc8([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00])).toBe(0xa2);
  });

  it("encodes temperatures as the datasheet's Table 1 does", () => {
    expect(celsiusToRaw(25.0625)).toBe(0x0191);
    expect(celsiusToRaw(-10.125)).toBe(0xff5e);
    expect(celsiusToRaw(85)).toBe(0x0550);
    expect(celsiusToRaw(-55)).toBe(0xfc90);
  });

  it('prints w1_slave exactly as the kernel printed it for a real probe', () => {
    expect(w1SlaveText([0x72, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0e, 0x10, 0x57])).toBe(
      '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n',
    );
    expect(w1SlaveText(scratchpadFor(0xff5e))).toMatch(
      /^5e ff 4b 46 7f ff 0c 10 [0-9a-f]{2} : crc=\S+ YES\n.* t=-10125\n$/,
    );
  });
});

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-w1-sim-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Lets the simulation's loop reach its next sleep: a condition, not a wait of fixed length. */
async function idle(clock: ReturnType<typeof manualClock>): Promise<void> {
  while (clock.pending() === 0) await new Promise((r) => setImmediate(r));
}

describe('simulated DS18B20 on a sysfs-like tree', () => {
  it('writes the wave, then each fault in its window, and comes back after vanishing', async () => {
    const clock = manualClock(1_000_000);
    const writes: W1ProbeState[] = [];
    const id = '28-0000075565c1';
    const probe = await startW1Probe(
      {
        root,
        id,
        temperature: { mean: 5, swing: 2, period: '4s' },
        update: '1s',
        faults: [
          { kind: 'crc', at: '2s', duration: '1s' },
          { kind: 'power-on', at: '3s', duration: '1s' },
          { kind: 'zero', at: '4s', duration: '1s' },
          { kind: 'vanish', at: '5s', duration: '2s' },
        ],
      },
      { clock, onWrite: (s) => writes.push(s) },
    );
    expect(probe).toMatchObject({ kind: 'w1', address: `w1://${id}?root=${root}` });
    const file = join(root, id, 'w1_slave');
    const texts: (string | undefined)[] = [];
    const dirs: boolean[] = [];
    for (let s = 0; s <= 7; s++) {
      if (s > 0) {
        await idle(clock);
        const n = writes.length;
        clock.advance(1000);
        while (writes.length === n) await new Promise((r) => setImmediate(r));
      }
      dirs.push(existsSync(join(root, id)));
      texts.push(existsSync(file) ? await readFile(file, 'utf8') : undefined);
    }
    expect(texts[0]).toMatch(/^50 00 .* crc=\S+ YES\n50 00 .* t=5000\n$/); // 5 °C = 0x0050
    expect(texts[1]).toMatch(/^70 00 .* YES\n.* t=7000\n$/); // 5 + 2 sin(pi/2)
    expect(texts[2]).toMatch(/ NO\n/);
    expect(texts[3]).toMatch(/^50 05 4b 46 7f ff 0c 10 \S+ : crc=\S+ YES\n.* t=85000\n$/);
    expect(texts[4]).toBe(`${'00 '.repeat(9)}: crc=00 YES\n${'00 '.repeat(9)}t=0\n`);
    expect(texts[5]).toBeUndefined();
    expect(dirs).toEqual([true, true, true, true, true, false, false, true]);
    expect(texts[6]).toBeUndefined();
    expect(texts[7]).toMatch(/^30 00 .* YES\n.* t=3000\n$/); // 5 + 2 sin(7 pi / 2)
    expect(writes.map((w) => w.fault)).toEqual([
      undefined,
      undefined,
      'crc',
      'power-on',
      'zero',
      'vanish',
      'vanish',
      undefined,
    ]);
    await probe.close();
    await probe.close();
    expect(existsSync(join(root, id))).toBe(false);
  });

  it('refuses a bad config with every problem as path: message', async () => {
    await expect(
      startW1Probe({
        root: 'rel',
        id: '10-1',
        update: 'soon',
        faults: [{ kind: 'melt', at: '1m' }],
        colour: 1,
      }),
    ).rejects.toThrow(
      /root: must be an absolute[\s\S]*id: must be a DS18B20[\s\S]*update:[\s\S]*faults\[0\]\.kind[\s\S]*faults\[0\]\.duration/,
    );
  });
});
