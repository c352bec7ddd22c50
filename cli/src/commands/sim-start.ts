import { scaledClock, systemClock } from '@coldtrail/core';
import { defaultScenarioPath, loadFleet, startFleet } from '@coldtrail/firmware-sim';
import type { Interruption } from '../demo/interruption.js';
import { manualInterruption } from '../demo/interruption.js';

export interface SimStartOptions {
  scenario?: string;
  speed?: number;
  root?: string;
  json?: boolean;
}

export interface SimStartDeps {
  interruption?: () => Interruption;
}

/**
 * `coldtrail sim start`: runs the simulated devices of a scenario (a fleet file, or one probe scenario) in this
 * process until SIGINT/SIGTERM, and prints where each can be read: the source URL an agent's config takes
 * (`modbus:///…/host?baud=9600&unit=1`, `nmea://…`, `w1://…`, `gpio://…`). The devices speak the real
 * protocols on real PTYs and files, so `coldtrail agent start` or a third-party tool (mbpoll) reads them as it
 * would the hardware.
 */
export async function simStart(opts: SimStartOptions, deps: SimStartDeps = {}): Promise<void> {
  const spec = await loadFleet(opts.scenario ?? defaultScenarioPath);
  const clock = opts.speed && opts.speed !== 1 ? scaledClock(Date.now(), opts.speed) : systemClock;
  const interruption = (deps.interruption ?? manualInterruption)();
  try {
    const fleet = await startFleet(spec, { clock, ...(opts.root ? { root: opts.root } : {}) });
    try {
      const devices = fleet.devices.map((d) => ({ kind: d.kind, address: d.address }));
      if (opts.json) process.stdout.write(`${JSON.stringify({ devices })}\n`);
      else {
        process.stdout.write(`simulating ${fleet.name} (Ctrl-C to stop):\n`);
        for (const d of devices) process.stdout.write(`  ${d.kind.padEnd(6)} ${d.address}\n`);
      }
      interruption.allowQuit();
      await new Promise<void>((resolve) => {
        if (interruption.signal.aborted) resolve();
        else interruption.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await fleet.close();
    }
  } finally {
    interruption.dispose();
  }
}
