import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, GENESIS_HASH, type Sample, verifyChain } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from './agent.js';
import type { AgentHandle } from './agent-handle.js';
import type { AgentConfig } from './config.js';
import { loadOrCreateDeviceKey } from './device-key.js';
import { type IngestEmulator, startIngestEmulator } from './fixtures/ingest-emulator.js';
import { scriptedSource } from './fixtures/scripted-source.js';
import { eventually } from './fixtures/wait.js';
import { silentLog } from './log.js';
import { readStatusFile } from './status-file.js';

const DEVICE = 'truck-9';
const ORG = 'acme';
const PERIOD = 60_000;
const T0 = Date.UTC(2026, 0, 1);

/** Simulated time that advances when the agent sleeps, and by `stall(ms)` as a suspended process sees it. */
function stepClock() {
  let t = T0;
  const clock: Clock = {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (!signal?.aborted) t += ms;
        setImmediate(resolve);
      }),
  };
  return {
    clock,
    stall: (ms: number) => {
      t += ms;
    },
  };
}
const temp = (value: number): Sample => ({ sensor: 'probe-1', kind: 'temperature', value, unit: 'CEL' });

let dir: string;
let broker: IngestEmulator;
const agents: AgentHandle[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-durability-'));
  const key = await loadOrCreateDeviceKey(dir);
  broker = await startIngestEmulator({ org: ORG, devices: { [DEVICE]: key.publicKey } });
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

function config(over: Partial<AgentConfig>): AgentConfig {
  return {
    device: DEVICE,
    org: ORG,
    dataDir: dir,
    mqttUrl: broker.url,
    samplePeriodMs: PERIOD,
    batchMaxRecords: 20,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    gapGraceMs: 20,
    ...over,
  };
}

describe('agent durability', () => {
  it('records a stall as missed-slot faults that the ingest accepts in an unbroken chain', async () => {
    const c = stepClock();
    const probe = scriptedSource(
      (k) => {
        if (k === 2) c.stall(3 * 3_600_000); // the box is suspended for three hours after the third read
        return [temp(4)];
      },
      { cycles: 6 },
    );
    const a = await start(config({}), { clock: c.clock, log: silentLog, sources: [probe] });
    agents.push(a);
    await eventually(() => probe.reads === 6, 'six reads');
    await a.stopSampling();
    await a.drained(10_000);
    const stored = broker.state(DEVICE).records;
    expect(verifyChain(stored, GENESIS_HASH, 0)).toBe(broker.state(DEVICE).head);
    const missed = stored.filter((r) => r.fault === 'missed-slot');
    expect(missed).toHaveLength(10);
    expect(missed.every((r) => r.sensor === 'probe-1')).toBe(true);
    const ts = stored.map((r) => Date.parse(r.ts));
    expect(ts).toEqual([...ts].sort((x, y) => x - y));
    expect(stored.filter((r) => r.kind === 'temperature')).toHaveLength(6);
  });

  it('at the disk budget with the broker away: alarms, stops storing with one fault, resumes after acks, loses nothing', async () => {
    await broker.stop();
    const c = stepClock();
    const probe = scriptedSource((k) => [temp(4 + (k % 10) / 10)]);
    const a = await start(config({ diskBudgetBytes: 64 * 1024, diskWarnBytes: 48 * 1024 }), {
      clock: c.clock,
      log: silentLog,
      sources: [probe],
    });
    agents.push(a);
    await eventually(() => readStatusFile(dir)?.disk.state === 'full', 'the budget reached', 30_000);
    const full = readStatusFile(dir)!;
    expect(full.alarms).toEqual([expect.objectContaining({ code: 'disk-budget' })]);
    const committed = a.nextSeq() - 1;
    await eventually(() => probe.reads > committed + 20, 'twenty cycles at the budget');
    expect(a.nextSeq() - 1).toBe(committed); // nothing stored while full, nothing deleted

    await broker.resume();
    await eventually(
      () => readStatusFile(dir)?.disk.state !== 'full' && a.nextSeq() - 1 > committed + 5,
      'recording again',
      30_000,
    );
    await a.stopSampling();
    await a.drained(20_000);
    const stored = broker.state(DEVICE).records;
    expect(stored).toHaveLength(a.nextSeq() - 1); // every committed record arrived, in one chain
    expect(verifyChain(stored, GENESIS_HASH, 0)).toBe(broker.state(DEVICE).head);
    expect(stored.filter((r) => r.fault === 'disk-budget').length).toBeGreaterThanOrEqual(2); // warning + full
  });
});
