import { silentLog } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNotifier, type RunNotify } from './systemd-notify.js';
import { startWatchdog } from './watchdog.js';

const recorder = () => {
  const sent: string[][] = [];
  const run: RunNotify = async (args) => {
    sent.push(args);
    return true;
  };
  return { sent, run };
};

describe('systemd notifier', () => {
  it('is silent outside systemd, and pets at half of WATCHDOG_USEC when the watchdog is ours', async () => {
    const off = recorder();
    const none = createNotifier({ env: {}, log: silentLog, run: off.run });
    await none.ready();
    await none.watchdog();
    expect(off.sent).toEqual([]);
    expect(none.watchdogEveryMs).toBe(undefined);

    const on = recorder();
    const n = createNotifier({
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' },
      pid: 42,
      log: silentLog,
      run: on.run,
    });
    expect(n.watchdogEveryMs).toBe(15_000);
    await n.ready('up');
    await n.watchdog();
    await n.stopping();
    expect(on.sent).toEqual([['--ready', '--status=up'], ['WATCHDOG=1'], ['STOPPING=1']]);

    const other = createNotifier({
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' },
      pid: 42,
      log: silentLog,
    });
    expect(other.watchdogEveryMs).toBe(undefined); // another process's watchdog
  });
});

describe('watchdog', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('pets only while the sampler makes progress, and again once it recovers', () => {
    const { sent, run } = recorder();
    const notifier = createNotifier({
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '2000000' },
      log: silentLog,
      run,
    });
    const errors: string[] = [];
    const log = { ...silentLog, error: (m: string) => void errors.push(m) };
    const wd = startWatchdog({ notifier, stallAfterMs: 5_000, log, now: () => Date.now() });
    vi.advanceTimersByTime(4_000); // 4 pets at 1 s, progress "at start" is 4 s old: still healthy
    expect(sent).toHaveLength(4);
    vi.advanceTimersByTime(3_000); // 7 s without progress: stalled after 5 s
    expect(sent).toHaveLength(5);
    expect(errors).toEqual(['sampler made no progress: no longer petting the systemd watchdog']);
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(5);
    wd.progress();
    vi.advanceTimersByTime(2_000);
    expect(sent).toHaveLength(7);
    wd.stop();
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(7);
    expect(errors).toHaveLength(1);
  });
});
