import { execFile } from 'node:child_process';
import type { Log } from '@coldtrail/core';

/**
 * sd_notify(3) for a Node process. Node has no Unix datagram sockets, so each message is sent by the
 * `systemd-notify` tool; systemd attributes it to the service only with `NotifyAccess=all` in the unit (the
 * sender is the tool's PID, not ours). systemd-notify >= 246 waits until systemd has read the message (a
 * barrier), so the tool exiting first loses nothing. Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
 */
export interface Notifier {
  /** True when a NOTIFY_SOCKET was given. */
  readonly active: boolean;
  /** How often to send WATCHDOG=1 (half of WATCHDOG_USEC, sd_watchdog_enabled(3)); undefined: no watchdog. */
  readonly watchdogEveryMs: number | undefined;
  ready(status?: string): Promise<void>;
  watchdog(): Promise<void>;
  stopping(): Promise<void>;
}

/** Runs the tool; resolves false (after logging) when it fails, never rejects: systemd is not a reason to stop. */
export type RunNotify = (args: string[]) => Promise<boolean>;

export interface NotifierDeps {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  log: Log;
  run?: RunNotify;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const env = deps.env ?? process.env;
  const active = Boolean(env.NOTIFY_SOCKET);
  const run = deps.run ?? systemdNotify(deps.log);
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process the watchdog is meant for; another PID's watchdog is not ours to pet.
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === (deps.pid ?? process.pid);
  const watchdogEveryMs =
    active && forUs && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : undefined;
  const send = async (args: string[]) => {
    if (active) await run(args);
  };
  return {
    active,
    watchdogEveryMs,
    ready: (status) => send(['--ready', ...(status ? [`--status=${status}`] : [])]),
    watchdog: () => send(['WATCHDOG=1']),
    // STOPPING=1 rather than --stopping, which systemd-notify only has from v253 (Debian 12 ships 252).
    stopping: () => send(['STOPPING=1']),
  };
}

function systemdNotify(log: Log): RunNotify {
  let warned = false;
  return (args) =>
    new Promise((resolve) => {
      execFile('systemd-notify', args, { timeout: 10_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve(true);
        if (!warned) {
          warned = true;
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          log.error(
            missing
              ? 'systemd-notify not found: systemd cannot see that the agent is up (apt-get install -y systemd)'
              : 'systemd-notify failed: is NotifyAccess=all set in the unit?',
            { args, error: String(stderr || err.message).trim() },
          );
        }
        resolve(false);
      });
    });
}
