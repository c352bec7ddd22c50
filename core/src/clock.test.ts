import { describe, expect, it } from 'vitest';
import { manualClock, scaledClock, systemClock } from './clock.js';

describe('manualClock', () => {
  it('fires timeouts and intervals in time order as time is advanced, each at its own time', () => {
    const c = manualClock(1000);
    const fired: string[] = [];
    c.setTimeout(() => fired.push(`t50@${c.now()}`), 50);
    const every = c.setInterval(() => fired.push(`i30@${c.now()}`), 30);
    const cancelled = c.setTimeout(() => fired.push('never'), 10);
    cancelled.cancel();
    cancelled.cancel(); // idempotent
    expect(c.pending()).toBe(2);
    c.advance(29);
    expect(fired).toEqual([]);
    c.advance(71);
    expect(fired).toEqual(['i30@1030', 't50@1050', 'i30@1060', 'i30@1090']);
    expect(c.now()).toBe(1100);
    every.cancel();
    expect(c.pending()).toBe(0);
  });

  it('resolves sleeps when their time comes, or at once when aborted', async () => {
    const c = manualClock(0);
    let woke = false;
    const sleeping = c.sleep(100).then(() => {
      woke = true;
    });
    c.advance(99);
    await Promise.resolve();
    expect(woke).toBe(false);
    c.advance(1);
    await sleeping;
    expect(woke).toBe(true);
    const stop = new AbortController();
    const aborted = c.sleep(1e9, stop.signal);
    stop.abort();
    await aborted;
    expect(c.pending()).toBe(0);
    await c.sleep(5, stop.signal); // already aborted: no wait
  });
});

describe('system and scaled timers', () => {
  it('cancel a timer before it fires', async () => {
    let fired = false;
    systemClock.setTimeout(() => (fired = true), 0).cancel();
    scaledClock(0, 60)
      .setTimeout(() => (fired = true), 0, { unref: true })
      .cancel();
    await systemClock.sleep(5);
    expect(fired).toBe(false);
  });
});
