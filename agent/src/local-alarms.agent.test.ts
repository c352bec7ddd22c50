import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, ReadingRecord, Sample } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from './agent.js';
import type { AgentHandle } from './agent-handle.js';
import type { AlarmOutput } from './alarm-output.js';
import type { AgentConfig } from './config.js';
import { loadOrCreateDeviceKey } from './device-key.js';
import { type IngestEmulator, startIngestEmulator } from './fixtures/ingest-emulator.js';
import { type ScriptedSource, scriptedSource } from './fixtures/scripted-source.js';
import { eventually } from './fixtures/wait.js';
import { LOCAL_STATE_FILE } from './local-alarm-state.js';
import type { Log } from './log.js';

const DEVICE = 'truck-3';
const ORG = 'acme';
const PERIOD = 60_000;
const SSCC = '003712345000000018';
const profile = { id: 'vaccine-2-8', lowerC: 2, upperC: 8, delayMinutes: 2, samplePeriodSeconds: 60 };
const CONFIG = JSON.stringify({ v: 1, shipment: SSCC, profile });

/** Simulated time that advances only when the agent sleeps (as in agent.test.ts). */
function manualClock(t0: number): Clock {
  let t = t0;
  return {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (!signal?.aborted) t += ms;
        setImmediate(resolve);
      }),
  };
}

let dir: string;
let clock: Clock; // one simulated clock across the restarts of a test
let broker: IngestEmulator;
let output: AlarmOutput & { calls: boolean[]; closed: number };
let logged: string[];
const agents: AgentHandle[] = [];
const log: Log = {
  info: (m) => void logged.push(m),
  warn: (m) => void logged.push(m),
  error: (m) => void logged.push(m),
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-alarms-'));
  logged = [];
  clock = manualClock(Date.UTC(2026, 0, 1));
  const calls: boolean[] = [];
  output = {
    calls,
    closed: 0,
    set: async (on) => void calls.push(on),
    close: async () => void output.closed++,
  };
  const key = await loadOrCreateDeviceKey(dir);
  broker = await startIngestEmulator({ org: ORG, devices: { [DEVICE]: key.publicKey } });
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(
  temps: number[],
  alarmOutput = 'gpio://27',
): Promise<{ agent: AgentHandle; probe: ScriptedSource; feed(): Promise<void> }> {
  const probe = scriptedSource(
    (k): Sample[] => [{ sensor: 'probe-1', kind: 'temperature', value: temps[k] ?? 5, unit: 'CEL' }],
    {
      gated: true,
    },
  );
  const config: AgentConfig = {
    device: DEVICE,
    org: ORG,
    dataDir: dir,
    mqttUrls: [broker.url],
    samplePeriodMs: PERIOD,
    batchMaxRecords: 1,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    alarmOutput,
  };
  const agent = await start(config, {
    clock,
    sources: [probe],
    log,
    // a recording fake; with a value-file root, the real GPIO adapter (the default opener) runs instead
    ...(alarmOutput.includes('root=')
      ? {}
      : {
          openAlarmOutput: async (address: string) => {
            expect(address).toBe('gpio://27');
            return output;
          },
        }),
  });
  agents.push(agent);
  const records: ReadingRecord[] = [];
  agent.on('record', (r) => records.push(r));
  return {
    agent,
    probe,
    /** One sampling cycle: the device answers the next value and the agent records it. */
    async feed() {
      const before = records.length;
      await eventually(() => probe.waiting(), 'the sampler to read');
      probe.release();
      await eventually(() => records.length > before, 'the record');
    },
  };
}

const alarmsOnWire = () => (broker.alarms.get(DEVICE) ?? []).map((p) => JSON.parse(p));
const lastStatus = () => JSON.parse((broker.statuses.get(DEVICE) ?? []).at(-1) ?? '{}');

describe('local alarms from the .../config downlink', () => {
  it('takes the retained profile, raises and clears on the device, and publishes each event once, in order', async () => {
    await broker.publishConfig(DEVICE, CONFIG);
    const { agent, feed } = await run([5, 9, 9.5, 5]);
    await eventually(() => agent.deviceConfig()?.shipment === SSCC, 'the config accepted');
    await eventually(() => lastStatus().profile === 'vaccine-2-8', 'the status to name the profile');
    expect(lastStatus()).toMatchObject({ state: 'online', shipment: SSCC, alarms: 0 });

    for (let i = 0; i < 3; i++) await feed();
    expect(agent.alarms().map((a) => a.rule)).toEqual(['instant', 'single-event']);
    expect(output.calls).toEqual([false, true]);
    await feed();
    expect(agent.alarms()).toEqual([]);
    expect(output.calls).toEqual([false, true, false]);

    await eventually(() => alarmsOnWire().length === 4, 'four alarm messages');
    expect(alarmsOnWire().map((m) => [m.id, m.event, m.rule, m.direction, m.valueC])).toEqual([
      [1, 'raised', 'instant', 'above', 9],
      [2, 'raised', 'single-event', 'above', 9.5],
      [3, 'cleared', 'instant', 'above', 5],
      [4, 'cleared', 'single-event', 'above', 5],
    ]);
    expect(alarmsOnWire()[1]).toMatchObject({
      device: DEVICE,
      shipment: SSCC,
      profile: 'vaccine-2-8',
      limitC: 8,
      since: '2026-01-01T00:01:00.000Z',
    });
  });

  it('logs and ignores a bad config payload, says so in the status, and keeps the last accepted one', async () => {
    await broker.publishConfig(DEVICE, CONFIG);
    const { agent } = await run([]);
    await eventually(() => agent.deviceConfig() !== null, 'the config accepted');
    await broker.publishConfig(
      DEVICE,
      JSON.stringify({ v: 1, shipment: SSCC, profile: { ...profile, upperC: 'hot' } }),
    );
    await eventually(() => lastStatus().configRejected, 'the status to report the refusal');
    expect(lastStatus().configRejected.reason).toMatch(/profile.upperC/);
    expect(logged).toContain('config downlink refused; keeping the last accepted one');
    expect(agent.deviceConfig()).toEqual(JSON.parse(CONFIG));
    await broker.publishConfig(DEVICE, '{'); // not even JSON
    await eventually(() => /not JSON/.test(lastStatus().configRejected?.reason), 'the second refusal');
    expect(agent.deviceConfig()).toEqual(JSON.parse(CONFIG));
  });

  it('offline restart: keeps the profile and the alarm, sounds it, and publishes what was raised once back', async () => {
    await broker.publishConfig(DEVICE, CONFIG);
    const first = await run([9]);
    await eventually(() => first.agent.deviceConfig() !== null, 'the config accepted');
    await first.feed();
    await eventually(() => alarmsOnWire().length === 1, 'the instant alarm on the wire');
    await first.agent.close();
    expect(output.closed).toBe(1);

    await broker.stop(); // offline from here; the new broker will not even hold the retained config
    output.calls.length = 0;
    const second = await run([9, 9, 3]);
    expect(second.agent.deviceConfig()).toEqual(JSON.parse(CONFIG)); // from the data dir
    expect(second.agent.alarms().map((a) => a.rule)).toEqual(['instant']);
    expect(output.calls).toEqual([true]); // sounds again at start
    await second.feed();
    expect(second.agent.alarms().map((a) => a.rule)).toEqual(['instant', 'single-event']);
    await second.feed();
    await second.feed();
    expect(second.agent.alarms()).toEqual([]);
    expect(output.calls).toEqual([true, false]);
    const saved = JSON.parse(await readFile(join(dir, LOCAL_STATE_FILE), 'utf8'));
    expect(saved.pending.map((m: { id: number }) => m.id)).toEqual([2, 3, 4]);

    await broker.resume();
    await eventually(() => alarmsOnWire().length === 4, 'the alarms raised offline');
    expect(alarmsOnWire().map((m) => [m.id, m.event, m.rule])).toEqual([
      [1, 'raised', 'instant'],
      [2, 'raised', 'single-event'],
      [3, 'cleared', 'instant'],
      [4, 'cleared', 'single-event'],
    ]);
    await eventually(
      () => JSON.parse(readFileSync(join(dir, LOCAL_STATE_FILE), 'utf8')).pending.length === 0,
      'the queue emptied',
    );
  });

  it('drives a real GPIO line through the default adapter (gpio/alarm-output.ts)', async () => {
    const gpioRoot = join(dir, 'gpio');
    await mkdir(gpioRoot);
    const value = () => readFileSync(join(gpioRoot, 'gpio27', 'value'), 'utf8');
    await broker.publishConfig(DEVICE, CONFIG);
    const { agent, feed } = await run([12, 5], `gpio://27?root=${gpioRoot}`);
    await eventually(() => agent.deviceConfig() !== null, 'the config accepted');
    // The value file is rewritten (truncate, write) as the alarms take the config: a read may fall in between
    // and see '' (sysfs itself has no such window); off it is, before any sample.
    await eventually(() => value() === '0\n', 'the line off before any sample');
    await feed();
    await eventually(() => value() === '1\n', 'the line on');
    await feed();
    await eventually(() => value() === '0\n', 'the line off');
  });
});
