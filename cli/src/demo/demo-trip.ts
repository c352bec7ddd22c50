import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentHandle } from '@coldtrail/agent';
import type { Clock } from '@coldtrail/core';
import type { StatusLine } from '../status-line.js';
import type { Interruption } from './interruption.js';

/** How long the agent may take, in wall time, to get its last readings stored after sampling stops. */
const DRAIN_TIMEOUT_MS = 60_000;

/**
 * The trip itself: live status until the scenario's simulated end (or Ctrl-C), then sampling stops and the
 * agent drains what it holds. Returns the device's last seq, where the shipment closes.
 */
export async function runTrip(
  agent: AgentHandle,
  clock: Clock,
  window: { start: number; durationMs: number },
  interruption: Interruption,
  status: StatusLine,
): Promise<number> {
  const interrupted = interruption.signal;
  const end = window.start + window.durationMs;
  while (clock.now() < end && !interrupted.aborted) {
    const s = agent.stats();
    const elapsed = Math.min(1, (clock.now() - window.start) / window.durationMs);
    status.update(
      elapsed,
      `${new Date(clock.now()).toISOString().slice(0, 16)}Z  ${s.recorded} records, ${s.faults} faults, stored up to #${s.storedUpTo}${s.connected ? '' : ' (offline)'}`,
    );
    await sleep(200, undefined, { signal: interrupted }).catch(() => {});
  }
  // Ctrl-C ends the trip early: the shipment is still closed properly with what was read. A second Ctrl-C
  // quits at once (everything durable stays; the shipment then stays in transit until
  // `coldtrail shipment complete`).
  if (interrupted.aborted) {
    status.log('interrupted: ending the trip here and closing the shipment (Ctrl-C again to quit at once)');
    interruption.allowQuit();
  }
  await agent.stopSampling();
  status.update(1, 'sampling done; waiting for the last readings to be stored');
  await agent.drained(DRAIN_TIMEOUT_MS);
  return agent.nextSeq() - 1;
}
