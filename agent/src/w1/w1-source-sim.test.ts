import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock, type Sample } from '@coldtrail/core';
import { startW1Probe, type W1ProbeState } from '@coldtrail/firmware-sim';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openW1Source } from './w1-source.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'coldtrail-w1-vs-sim-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('DS18B20 source against firmware-sim', () => {
  it("reads the simulated probe's wave to the 1/16 °C and each simulated fault as its fault code", async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const writes: W1ProbeState[] = [];
    const probe = await startW1Probe(
      {
        root,
        id: '28-00000000abcd',
        temperature: { mean: 4, swing: 3, period: '13s' },
        update: '1s',
        faults: [
          { kind: 'crc', at: '3s', duration: '1s' },
          { kind: 'power-on', at: '5s', duration: '1s' },
          { kind: 'zero', at: '7s', duration: '1s' },
          { kind: 'vanish', at: '9s', duration: '2s' },
        ],
      },
      { clock, onWrite: (s) => writes.push(s) },
    );
    // The simulation's address, as `coldtrail sim start` prints it, is what the agent opens.
    const source = await openW1Source(probe.address);
    const seen: [W1ProbeState, Sample[]][] = [];
    for (let s = 0; s <= 12; s++) {
      if (s > 0) {
        while (clock.pending() === 0) await new Promise((r) => setImmediate(r));
        const n = writes.length;
        clock.advance(1000);
        while (writes.length === n) await new Promise((r) => setImmediate(r));
      }
      const state = writes.at(-1);
      if (!state) throw new Error('the probe wrote nothing');
      seen.push([state, await source.read()]);
    }
    for (const [state, samples] of seen) {
      const expected =
        state.fault === undefined
          ? { kind: 'temperature', value: Math.round(state.celsius * 16) / 16, unit: 'CEL' }
          : {
              kind: 'fault',
              fault: { crc: 'crc', 'power-on': 'power-on-value', zero: 'garbage', vanish: 'disconnected' }[
                state.fault
              ],
            };
      expect(samples).toEqual([expect.objectContaining({ sensor: '28-00000000abcd', ...expected })]);
    }
    expect(seen.map(([s]) => s.fault ?? 'ok')).toEqual([
      'ok',
      'ok',
      'ok',
      'crc',
      'ok',
      'power-on',
      'ok',
      'zero',
      'ok',
      'vanish',
      'vanish',
      'ok',
      'ok',
    ]);
    await source.close();
    await probe.close();
  });
});
