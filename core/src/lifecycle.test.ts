import { describe, expect, it } from 'vitest';
import { createLifecycle, opening } from './lifecycle.js';

describe('lifecycle', () => {
  it('closes newest first, once, and keeps going past a failing close', async () => {
    const order: string[] = [];
    const life = createLifecycle();
    const a = life.add('a', { close: () => void order.push('a') });
    life.add('b', {
      close: async () => {
        order.push('b');
        throw new Error('disk gone');
      },
    });
    life.defer('c', () => void order.push('c'));
    expect(a).toBeDefined();
    const first = life.close();
    expect(life.close()).toBe(first); // idempotent: the same close
    await expect(first).rejects.toThrow('closing b failed: disk gone');
    expect(order).toEqual(['c', 'b', 'a']);
    expect(life.closed).toBe(true);
    expect(() => life.add('late', { close() {} })).toThrow(/already closing/);
  });

  it('opening() closes what was opened so far when the start fails, and rethrows its error', async () => {
    const closed: string[] = [];
    const life = createLifecycle();
    const failed = opening(life, async () => {
      life.add('store', { close: () => void closed.push('store') });
      life.add('ledger', {
        close: () => {
          closed.push('ledger');
          throw new Error('ignored');
        },
      });
      throw new Error('port in use');
    });
    await expect(failed).rejects.toThrow('port in use');
    expect(closed).toEqual(['ledger', 'store']);
    const ok = createLifecycle();
    await expect(opening(ok, () => 42)).resolves.toBe(42);
    expect(ok.closed).toBe(false);
  });
});
