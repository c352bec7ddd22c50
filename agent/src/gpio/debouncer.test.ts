import { manualClock } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { Debouncer } from './debouncer.js';
import type { GpioLevel } from './gpio-port.js';

function setup(ms: number) {
  const clock = manualClock();
  const edges: [number, GpioLevel][] = [];
  const d = new Debouncer(ms, clock, (l) => edges.push([clock.now(), l]));
  /** Feeds raw levels at the given times (ms from now), each after the previous. */
  const feed = (steps: [number, GpioLevel][]) => {
    for (const [after, level] of steps) {
      clock.advance(after);
      d.input(level);
    }
  };
  return { clock, edges, d, feed };
}

describe('Debouncer', () => {
  it('turns a bouncing make (5 flips in 4 ms) into one edge, once the level held for the debounce time', () => {
    const { clock, edges, d, feed } = setup(50);
    d.start(0);
    feed([
      [100, 1],
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 1],
    ]);
    clock.advance(49);
    expect(edges).toEqual([]);
    clock.advance(1);
    expect(edges).toEqual([[154, 1]]);
    expect(d.stable).toBe(1);
  });

  it('ignores a glitch that returns to the stable level before the debounce time', () => {
    const { clock, edges, d, feed } = setup(50);
    d.start(0);
    feed([
      [10, 1],
      [30, 0],
    ]);
    clock.advance(500);
    expect(edges).toEqual([]);
    expect(d.stable).toBe(0);
  });

  it('keeps waiting when the pending level is seen again (a poll reports the level, not a change)', () => {
    const { clock, edges, d, feed } = setup(50);
    d.start(0);
    feed([
      [0, 1],
      [20, 1],
      [20, 1],
    ]);
    clock.advance(10);
    expect(edges).toEqual([[50, 1]]);
  });

  it('takes the first level it sees as the start, without an edge', () => {
    const { clock, edges, d } = setup(50);
    d.input(1);
    clock.advance(100);
    expect(edges).toEqual([]);
    expect(d.stable).toBe(1);
    d.start(0); // a later start does not override a known level
    expect(d.stable).toBe(1);
  });

  it('accepts every change at once with debounce 0', () => {
    const { edges, d, feed } = setup(0);
    d.start(0);
    feed([
      [1, 1],
      [1, 0],
      [1, 0],
      [1, 1],
    ]);
    expect(edges.map(([, l]) => l)).toEqual([1, 0, 1]);
  });

  it('stops a pending edge on close', () => {
    const { clock, edges, d } = setup(50);
    d.start(0);
    d.input(1);
    d.close();
    clock.advance(100);
    expect(edges).toEqual([]);
    expect(clock.pending()).toBe(0);
  });
});
