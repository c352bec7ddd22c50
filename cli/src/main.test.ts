import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Exit } from './exit-codes.js';
import { interruptHandling } from './main.js';

describe('interruptHandling', () => {
  it('aborts on the first SIGINT or SIGTERM, exits 130 on another SIGINT only once allowed, and lets go', () => {
    for (const first of ['SIGINT', 'SIGTERM'] as const) {
      const proc = new EventEmitter();
      const exits: number[] = [];
      const i = interruptHandling(proc as never, (code) => exits.push(code));
      expect(i.signal.aborted).toBe(false);
      proc.emit(first);
      expect(i.signal.aborted).toBe(true);
      proc.emit('SIGINT'); // not allowed yet: no exit from here (the process's default applies)
      expect(exits).toEqual([]);
      i.allowQuit();
      proc.emit('SIGINT');
      expect(exits).toEqual([Exit.Interrupted]);
      i.dispose();
      expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    }
  });

  it('dispose() stops listening before any signal came', () => {
    const proc = new EventEmitter();
    const i = interruptHandling(proc as never, () => {
      throw new Error('must not exit');
    });
    i.dispose();
    i.dispose();
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    proc.emit('SIGTERM');
    expect(i.signal.aborted).toBe(false);
  });
});
