import { join } from 'node:path';
import { loadOrCreateDeviceKey, startAgent } from '@coldtrail/agent';
import { start as startBroker } from '@coldtrail/broker';
import { type ShipmentItem, scaledClock } from '@coldtrail/core';
import { defaultScenarioPath, loadScenario, type Scenario, startProbe } from '@coldtrail/firmware-sim';
import { type LedgerSyncHandle, lockDataDir, start as startLedgerSync } from '@coldtrail/ledger-sync';
import { agentDir, ledgerSyncDir, resolveDataDir } from '../data-dir.js';
import { CloseStack } from '../demo/close-stack.js';
import { demoContents, identifiersToTry } from '../demo/demo-contents.js';
import { demoRules } from '../demo/demo-profile.js';
import { agentPosition, DEMO, nextSscc, simulatedStart } from '../demo/demo-setup.js';
import { runTrip } from '../demo/demo-trip.js';
import { createFileLog, type FileLog } from '../demo/file-log.js';
import { type Interruption, manualInterruption } from '../demo/interruption.js';
import { openSerialLink, type SerialChoice } from '../demo/serial-link.js';
import { Exit, ExitError } from '../exit-codes.js';
import { shipmentProfileFields } from '../operator/shipment-profiles.js';
import { demoJson, renderProvenance } from '../render/provenance-text.js';
import { createStatusLine, type StatusLine } from '../status-line.js';

export interface DemoOptions {
  dataDir?: string;
  speed: number;
  mqttPort?: number;
  serial: SerialChoice;
  scenario?: string;
  json?: boolean;
}

export interface DemoDeps {
  /**
   * Watches for Ctrl-C once the demo starts its services (the CLI's entry passes one bound to the process's
   * signals); default: no signals.
   */
  interruption?: () => Interruption;
}

/**
 * `coldtrail demo`: one simulated shipment through the real path — probe firmware on a serial link, agent,
 * broker with ingest, ledger-sync with the embedded ledger — then the shipment's provenance. The demo owns
 * its data dir while it runs (a second one exits 5), and starts the shipment only once every service is up.
 */
export async function demo(opts: DemoOptions, deps: DemoDeps = {}): Promise<void> {
  const wallStart = Date.now();
  const dataDir = resolveDataDir(opts.dataDir);
  const scenario = await loadScenario(opts.scenario ?? defaultScenarioPath);
  const lock = lockDataDir(dataDir);
  try {
    await run(opts, dataDir, scenario, wallStart, deps.interruption ?? manualInterruption);
  } finally {
    lock.release();
  }
}

async function run(
  opts: DemoOptions,
  dataDir: string,
  scenario: Scenario,
  wallStart: number,
  watchInterruption: () => Interruption,
): Promise<void> {
  const status = createStatusLine(process.stderr);
  status.log(`coldtrail demo: data directory ${dataDir}`);
  const agentHome = agentDir(dataDir);
  const key = await loadOrCreateDeviceKey(agentHome);
  const position = agentPosition(agentHome);
  const clock = scaledClock(simulatedStart(Date.now(), position.lastTs), opts.speed);
  const logs = createFileLog(join(dataDir, 'demo.log'), () => clock.now());

  const stack = new CloseStack();
  const interrupted = watchInterruption();
  try {
    const ls = stack.push(
      'ledger-sync',
      await startLedgerSync(
        { dataDir: ledgerSyncDir(dataDir), org: DEMO.org },
        { clock, log: logs.for('ledger-sync') },
      ),
    );
    await ls.registerDevice({ id: DEMO.device, publicKey: key.publicKey });
    await refuseIfOpen(ls, dataDir);
    const link = stack.push('serial link', await openSerialLink(opts.serial));
    // The scenario starts when the probe powers up; ledger start-up before it already took simulated minutes.
    const scenarioStart = clock.now();
    const probeLog = logs.for('firmware-sim');
    stack.push(
      'probe',
      await startProbe(
        { path: link.devicePath, scenario, startEpochMs: scenarioStart },
        {
          binding: link.binding,
          clock,
          onEvent: (e) => {
            if (e.type === 'fault') probeLog.info('fault injected by the scenario', { fault: e.fault });
          },
        },
      ),
    );
    const broker = stack.push(
      'broker',
      await startBroker(
        { host: '127.0.0.1', port: opts.mqttPort ?? 0 },
        { directory: ls.directory, ingest: ls.ingest, log: logs.for('broker') },
      ),
    );
    status.log(
      `broker ${broker.url}, probe on ${link.kind === 'pty' ? `PTY ${link.hostPath}` : 'in-process serial'}`,
    );
    // Only now, with every service up, does the shipment start: a failure before this point strands none,
    // and one after it closes the shipment with the reason (closeAborted).
    const sscc = await nextSscc(ls.ledger);
    const contents = demoContents(sscc);
    await ls.createShipment({
      sscc,
      device: DEMO.device,
      origin: DEMO.origin,
      destination: DEMO.destination,
      product: DEMO.product,
      ...shipmentProfileFields(demoRules(scenario.limits.lower, scenario.limits.upper)),
      fromSeq: position.nextSeq,
      contents,
    });
    status.log(
      `shipment ${sscc}: ${scenario.name}, ${scenario.durationMs / 3_600_000} h simulated at ${opts.speed}x`,
    );
    let toSeq: number;
    try {
      // Serial timeouts run on the wall clock (the line is real); keep them short against simulated minutes.
      const source = `modbus://${link.hostPath}?baud=9600&unit=1&timeout=100&sensor=${DEMO.sensor}`;
      const agent = stack.push(
        'agent',
        await startAgent(
          {
            device: DEMO.device,
            org: DEMO.org,
            dataDir: agentHome,
            mqttUrl: broker.url,
            samplePeriodMs: DEMO.samplePeriodMs,
            sources: [source],
            batchMaxRecords: 120,
            batchMaxAgeMs: 15 * 60_000,
          },
          { clock, sourceDeps: { binding: link.binding }, log: logs.for('agent') },
        ),
      );
      const window = { start: scenarioStart, durationMs: scenario.durationMs };
      toSeq = await runTrip(agent, clock, window, interrupted, status);
      status.update(1, 'anchoring the last window, evaluating excursions, completing the shipment');
      await ls.completeShipment(sscc, toSeq);
    } catch (err) {
      await closeAborted(ls, sscc, err, status);
      throw err;
    }
    const report = await ls.provenance(sscc);
    status.done();
    const simulation = {
      scenario: scenario.name,
      start: new Date(scenarioStart).toISOString(),
      end: new Date(scenarioStart + scenario.durationMs).toISOString(),
      speed: opts.speed,
      serial: link.kind,
    };
    const tryIds = identifiersToTry(contents, dataDir);
    print(
      report,
      opts,
      { dataDir, simulation, wallSeconds: (Date.now() - wallStart) / 1000, contents, try: tryIds },
      logs,
    );
    if (!report.verification.ok) process.exitCode = Exit.VerificationFailed;
    else if (interrupted.signal.aborted) process.exitCode = Exit.Interrupted;
  } finally {
    interrupted.dispose();
    status.done();
    const failure = await stack.closeAll();
    if (failure) process.stderr.write(`coldtrail: warning: ${failure.message}\n`);
  }
}

/** A device carries one shipment at a time: an earlier run that died left one open, to be closed first. */
async function refuseIfOpen(ls: LedgerSyncHandle, dataDir: string): Promise<void> {
  const open = await ls.ledger.openShipment(DEMO.device);
  if (!open) return;
  throw new ExitError(
    Exit.Usage,
    `shipment ${open.sscc} on ${DEMO.device} is still in transit: an earlier run ended before closing it. ` +
      `Close it with \`coldtrail shipment complete ${open.sscc} --data-dir ${dataDir}\`, then run the demo again`,
  );
}

/**
 * The trip failed after the shipment started: close it with what was stored and say why, so no shipment is
 * left in transit by a failed run (a killed one is closed with `coldtrail shipment complete`).
 */
async function closeAborted(
  ls: LedgerSyncHandle,
  sscc: string,
  err: unknown,
  status: StatusLine,
): Promise<void> {
  const why = err instanceof Error ? err.message : String(err);
  try {
    status.log(`the trip failed (${why}); closing shipment ${sscc} with the readings stored so far`);
    await ls.completeShipment(sscc, undefined, { reason: `demo aborted: ${why}`.slice(0, 200) });
  } catch (closeErr) {
    const reason = closeErr instanceof Error ? closeErr.message : String(closeErr);
    status.log(
      `could not close shipment ${sscc} (${reason}); close it with \`coldtrail shipment complete ${sscc}\``,
    );
  }
}

function print(
  report: Awaited<ReturnType<LedgerSyncHandle['provenance']>>,
  opts: DemoOptions,
  extra: {
    dataDir: string;
    simulation: Record<string, unknown>;
    wallSeconds: number;
    /** What the shipment carried, and the provenance commands that answer for it (demo-contents.ts). */
    contents: ShipmentItem[];
    try: string[];
  },
  logs: FileLog,
): void {
  const all = { ...extra, warnings: logs.problems, log: logs.path };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(demoJson(report, all), null, 2)}\n`);
    return;
  }
  process.stdout.write(renderProvenance(report));
  process.stdout.write(
    `\nDemo took ${extra.wallSeconds.toFixed(1)} s wall time over a ${String(extra.simulation.serial)} serial link; ` +
      `${logs.problems} warnings in ${logs.path}.\n` +
      `Ask again any time: coldtrail provenance ${report.sscc} --data-dir ${extra.dataDir}\n` +
      `Or for what it carried (a pack, the lot, the lot by GTIN, a GS1 Digital Link):\n` +
      extra.try.map((t) => `  ${t}\n`).join(''),
  );
}
