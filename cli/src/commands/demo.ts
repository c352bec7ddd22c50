import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadOrCreateDeviceKey, startAgent } from '@coldtrail/agent';
import { start as startBroker } from '@coldtrail/broker';
import { scaledClock } from '@coldtrail/core';
import { defaultScenarioPath, loadScenario, startProbe } from '@coldtrail/firmware-sim';
import { start as startLedgerSync } from '@coldtrail/ledger-sync';
import { resolveDataDir } from '../data-dir.js';
import { CloseStack } from '../demo/close-stack.js';
import {
  agentDir,
  agentPosition,
  DEMO,
  demoProfile,
  ledgerSyncDir,
  nextSscc,
  simulatedStart,
} from '../demo/demo-setup.js';
import { createFileLog } from '../demo/file-log.js';
import { openSerialLink, type SerialChoice } from '../demo/serial-link.js';
import { Exit } from '../exit-codes.js';
import { demoJson, renderProvenance } from '../render/provenance-text.js';
import { createStatusLine } from '../status-line.js';

export interface DemoOptions {
  dataDir?: string;
  speed: number;
  mqttPort?: number;
  serial: SerialChoice;
  scenario?: string;
  json?: boolean;
}

/** How long the agent may take, in wall time, to get its last readings stored after sampling stops. */
const DRAIN_TIMEOUT_MS = 60_000;

/**
 * `coldtrail demo`: one simulated shipment through the real path — probe firmware on a serial link, agent,
 * broker with ingest, ledger-sync with the embedded ledger — then the shipment's provenance.
 */
export async function demo(opts: DemoOptions): Promise<void> {
  const wallStart = Date.now();
  const dataDir = resolveDataDir(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const status = createStatusLine(process.stderr);
  status.log(`coldtrail demo: data directory ${dataDir}`);
  const scenario = await loadScenario(opts.scenario ?? defaultScenarioPath);

  const agentHome = agentDir(dataDir);
  const key = await loadOrCreateDeviceKey(agentHome);
  const position = agentPosition(agentHome);
  const simStart = simulatedStart(Date.now(), position.lastTs);
  const clock = scaledClock(simStart, opts.speed);
  const logs = createFileLog(join(dataDir, 'demo.log'), () => clock.now());

  const stack = new CloseStack();
  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ls = stack.push(
      'ledger-sync',
      await startLedgerSync(
        { dataDir: ledgerSyncDir(dataDir), org: DEMO.org },
        { clock, log: logs.for('ledger-sync') },
      ),
    );
    await ls.registerDevice({ id: DEMO.device, publicKey: key.publicKey });
    const sscc = await nextSscc(ls.ledger);
    await ls.createShipment({
      sscc,
      device: DEMO.device,
      origin: DEMO.origin,
      destination: DEMO.destination,
      product: DEMO.product,
      profile: demoProfile(scenario.limits.lower, scenario.limits.upper),
      fromSeq: position.nextSeq,
    });
    status.log(
      `shipment ${sscc}: ${scenario.name}, ${scenario.durationMs / 3_600_000} h simulated at ${opts.speed}x`,
    );

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

    const simEnd = scenarioStart + scenario.durationMs;
    while (clock.now() < simEnd && !interrupted.signal.aborted) {
      const s = agent.stats();
      const elapsed = Math.min(1, (clock.now() - scenarioStart) / scenario.durationMs);
      status.update(
        elapsed,
        `${new Date(clock.now()).toISOString().slice(0, 16)}Z  ${s.recorded} records, ${s.faults} faults, stored up to #${s.storedUpTo}${s.connected ? '' : ' (offline)'}`,
      );
      await sleep(200, undefined, { signal: interrupted.signal }).catch(() => {});
    }
    // Ctrl-C ends the trip early: the shipment is still closed properly with what was read. A second Ctrl-C
    // quits at once (everything durable stays; the shipment then stays in transit).
    if (interrupted.signal.aborted) {
      status.log('interrupted: ending the trip here and closing the shipment (Ctrl-C again to quit at once)');
      process.once('SIGINT', () => process.exit(Exit.Interrupted));
    }
    await agent.stopSampling();
    status.update(1, 'sampling done; waiting for the last readings to be stored');
    await agent.drained(DRAIN_TIMEOUT_MS);
    const toSeq = agent.nextSeq() - 1;
    status.update(1, 'anchoring the last window, recording excursions, completing the shipment');
    await ls.completeShipment(sscc, toSeq);
    const report = await ls.provenance(sscc);
    status.done();

    const wallSeconds = (Date.now() - wallStart) / 1000;
    const simulation = {
      scenario: scenario.name,
      start: new Date(scenarioStart).toISOString(),
      end: new Date(simEnd).toISOString(),
      speed: opts.speed,
      serial: link.kind,
    };
    const extra = { dataDir, simulation, wallSeconds, warnings: logs.problems, log: logs.path };
    if (opts.json) process.stdout.write(`${JSON.stringify(demoJson(report, extra), null, 2)}\n`);
    else {
      process.stdout.write(renderProvenance(report));
      process.stdout.write(
        `\nDemo took ${wallSeconds.toFixed(1)} s wall time over a ${link.kind} serial link; ` +
          `${logs.problems} warnings in ${logs.path}.\n` +
          `Ask again any time: coldtrail provenance ${sscc} --data-dir ${dataDir}\n`,
      );
    }
    if (!report.verification.ok) process.exitCode = Exit.VerificationFailed;
    else if (interrupted.signal.aborted) process.exitCode = Exit.Interrupted;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    status.done();
    const failure = await stack.closeAll();
    if (failure) process.stderr.write(`coldtrail: warning: ${failure.message}\n`);
  }
}
