import { resolve } from 'node:path';
import { loadAgentYaml, startAgent } from '@coldtrail/agent';
import type { Env, Log } from '@coldtrail/core';
import { jsonLog } from '../agent/json-log.js';
import { createNotifier } from '../agent/systemd-notify.js';
import { startWatchdog } from '../agent/watchdog.js';
import { type Interruption, manualInterruption } from '../demo/interruption.js';

export interface AgentStartOptions {
  config: string;
}

export interface AgentStartDeps {
  /** The process's SIGTERM/SIGINT (the CLI's entry passes one); default: none. */
  interruption?: () => Interruption;
  /** Environment: COLDTRAIL_AGENT_* overrides and systemd's NOTIFY_SOCKET/WATCHDOG_*; default process.env. */
  env?: NodeJS.ProcessEnv;
  log?: Log;
}

/**
 * On SIGTERM, how long the last batches may take to be acknowledged before the agent closes anyway (they
 * stay in the outbox and go out at the next start). Well inside the unit's TimeoutStopSec.
 */
const DRAIN_ON_STOP_MS = 5_000;
/** Slack on top of the slowest sampling interval before the sampler counts as stalled (serial timeouts, I/O). */
const STALL_SLACK_MS = 30_000;

/**
 * `coldtrail agent start --config FILE`: the edge agent as a long-running process. Runs until SIGTERM/SIGINT,
 * then finishes the sampling cycle in progress, batches and stores what it read, gives the broker a few
 * seconds to acknowledge, and closes (exit 0). Logs JSON lines on stderr. Under systemd (NOTIFY_SOCKET) it
 * reports READY=1, pets the watchdog while the sampler makes progress, and says STOPPING=1.
 */
export async function agentStart(opts: AgentStartOptions, deps: AgentStartDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  const configPath = resolve(opts.config);
  const cfg = await loadAgentYaml(configPath, env as Env);
  const log = deps.log ?? jsonLog('agent');
  const notifier = createNotifier({ env, log });
  const interrupted = (deps.interruption ?? manualInterruption)();
  try {
    // Env overrides are already applied by loadAgentYaml.
    const agent = await startAgent(cfg, { log, env: {} });
    const watchdog = startWatchdog({
      notifier,
      log,
      stallAfterMs: 2 * slowestIntervalMs(cfg) + STALL_SLACK_MS,
    });
    agent.on('record', () => watchdog.progress());
    log.info('agent started', {
      device: agent.device,
      org: cfg.org,
      config: configPath,
      dataDir: cfg.dataDir,
      sources: cfg.sources.length,
      nextSeq: agent.nextSeq(),
      watchdogMs: notifier.watchdogEveryMs ?? null,
    });
    await notifier.ready(`sampling ${cfg.sources.length} source(s) as ${agent.device}`);

    await aborted(interrupted.signal);
    interrupted.allowQuit();
    log.info('stopping: finishing the sampling cycle, flushing the outbox');
    await notifier.stopping();
    watchdog.stop();
    try {
      await agent.stopSampling();
      if (agent.stats().connected) await agent.drained(DRAIN_ON_STOP_MS);
    } catch (err) {
      const s = agent.stats();
      log.warn(
        'not every record was acknowledged before stopping; they stay in the outbox for the next start',
        {
          pendingRecords: s.pendingRecords,
          storedUpTo: s.storedUpTo,
          error: err instanceof Error ? err.message : String(err),
        },
      );
    }
    const s = agent.stats();
    await agent.close();
    log.info('agent stopped', {
      recorded: s.recorded,
      storedUpTo: s.storedUpTo,
      pendingRecords: s.pendingRecords,
    });
  } finally {
    interrupted.dispose();
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** The longest time between two cycles of any source: the default period, or a source's own `interval`. */
function slowestIntervalMs(cfg: { samplePeriodMs: number; sources: readonly unknown[] }): number {
  let slowest = cfg.samplePeriodMs;
  for (const s of cfg.sources) {
    const interval = (s as { interval?: unknown } | null)?.interval;
    if (typeof interval === 'number' && interval > slowest) slowest = interval;
  }
  return slowest;
}
