import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Clock, Sample } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentDeps, start } from './agent.js';
import type { AgentHandle } from './agent-handle.js';
import { readAgentStatus } from './agent-status.js';
import type { AgentConfig } from './config.js';
import { loadOrCreateDeviceKey } from './device-key.js';
import { type IngestEmulator, startIngestEmulator } from './fixtures/ingest-emulator.js';
import { scriptedSource } from './fixtures/scripted-source.js';
import { eventually } from './fixtures/wait.js';
import { silentLog } from './log.js';
import { readStatusFile } from './status-file.js';

const DEVICE = 'truck-7';
const ORG = 'acme';
const PERIOD = 60_000;
const BUDGET = 10 * 1024 * 1024;

/** Simulated time that advances only when the agent sleeps. */
function stepClock(startAt: number): Clock {
  let t = startAt;
  return {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (!signal?.aborted) t += ms;
        setImmediate(resolve);
      }),
  };
}

/** Every file under `dir` with the SHA-256 of its bytes (test/e2e's reads-write-nothing pattern). */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const temp = (value: number): Sample => ({ sensor: 'probe-1', kind: 'temperature', value, unit: 'CEL' });

let dir: string;
let broker: IngestEmulator;
const agents: AgentHandle[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-status-'));
  const key = await loadOrCreateDeviceKey(dir);
  broker = await startIngestEmulator({ org: ORG, devices: { [DEVICE]: key.publicKey } });
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(over: Partial<AgentConfig>, deps: AgentDeps): Promise<AgentHandle> {
  const a = await start(
    {
      device: DEVICE,
      org: ORG,
      dataDir: dir,
      mqttUrl: broker.url,
      samplePeriodMs: PERIOD,
      batchMaxRecords: 2,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      gapGraceMs: 20,
      diskBudgetBytes: BUDGET,
      ...over,
    },
    { clock: stepClock(Date.UTC(2026, 0, 1)), log: silentLog, ...deps },
  );
  agents.push(a);
  return a;
}
const status = () => readAgentStatus({ dataDir: dir, diskBudgetBytes: BUDGET });

describe('agent status', () => {
  it('reads an outbox the agent is still creating (some tables made, not all) as not there yet', async () => {
    const file = join(dir, 'outbox.sqlite');
    const partial = new Database(file);
    partial.exec('CREATE TABLE chain (id INTEGER PRIMARY KEY, device TEXT)');
    partial.close();
    const before = readFileSync(file);
    const report = await status();
    expect(report.outbox.state).toBe('absent');
    expect(report.committedUpTo).toBe(0);
    expect(readFileSync(file)).toEqual(before);
  });

  it('reports backlog, watermarks, sources, alarms and liveness while running, changing nothing', async () => {
    // probe-1: 4 °C, 4 °C, then a CRC fault, then 9 °C (above alarmLimits) and silence (gated: no more cycles)
    const script = [
      [temp(4)],
      [temp(4)],
      [{ sensor: 'probe-1', kind: 'fault', fault: 'crc' }],
      [temp(9)],
    ] as Sample[][];
    const probe = scriptedSource((k) => script[k] ?? [temp(5)], { gated: true, address: 'test://probe-a' });
    const a = await run({ alarmLimits: { lowerC: 2, upperC: 8 } }, { sources: [probe] });
    for (let i = 0; i < 4; i++) {
      await eventually(() => probe.waiting(), `read ${i}`);
      probe.release();
    }
    await eventually(() => a.stats().storedUpTo === 4 && probe.waiting(), 'four records acknowledged');

    const before = hashTree(dir);
    const r = status();
    expect(hashTree(dir)).toEqual(before); // read-only beside the running agent, in WAL mode
    expect(r.agent.state).toBe('running');
    expect(r.agent.pid).toBe(process.pid);
    expect(r.device).toBe(DEVICE);
    expect(r.outbox.state).toBe('ok');
    expect(r.committedUpTo).toBe(4);
    expect(r.ackedUpTo.seq).toBe(4);
    expect(r.ackedUpTo.recordTs).toBe('2026-01-01T00:03:00.000Z');
    expect(r.backlog).toEqual({ unbatched: 0, batchedNotAcked: 0, refused: 0, ackedKept: 4 });
    expect(r.disk.budgetBytes).toBe(BUDGET);
    expect(r.disk.usedBytes).toBeGreaterThan(0);
    expect(r.disk.usedBytes).toBeLessThan(BUDGET);
    expect(r.connection?.state).toBe('connected');
    expect(r.sources).toEqual([
      expect.objectContaining({
        address: 'test://probe-a',
        health: 'ok',
        consecutiveFaults: 0,
        last: [expect.objectContaining({ sensor: 'probe-1', kind: 'temperature', value: 9 })],
      }),
    ]);
    expect(r.alarms).toEqual([expect.objectContaining({ code: 'out-of-range', source: 'test://probe-a' })]);

    await a.close();
    const stoppedTree = hashTree(dir);
    expect(Object.keys(stoppedTree).filter((n) => n.startsWith('outbox'))).toEqual(['outbox.sqlite']);
    const s = status();
    expect(hashTree(dir)).toEqual(stoppedTree); // stopped: nothing created (no -wal/-shm), nothing changed
    expect(s.agent.state).toBe('stopped');
    expect(s.committedUpTo).toBe(4);
    expect(s.ackedUpTo.seq).toBe(4);
  });

  it('shows the backlog by state while the broker is away, and a fault run as the source health', async () => {
    await broker.stop();
    const probe = scriptedSource(
      (k) => (k < 2 ? [temp(4)] : [{ sensor: 'probe-1', kind: 'fault', fault: 'timeout' }]),
      { gated: true, address: 'test://probe-b' },
    );
    const a = await run({ batchMaxRecords: 2 }, { sources: [probe] });
    for (let i = 0; i < 5; i++) {
      await eventually(() => probe.waiting(), `read ${i}`);
      probe.release();
    }
    await eventually(() => a.stats().recorded === 5 && probe.waiting(), 'five records');
    const r = status();
    expect(r.committedUpTo).toBe(5);
    expect(r.ackedUpTo).toEqual({ seq: 0 });
    expect(r.backlog).toEqual({ unbatched: 1, batchedNotAcked: 4, refused: 0, ackedKept: 0 });
    expect(r.connection?.state).toBe('disconnected');
    expect(r.sources[0]).toMatchObject({ health: 'timeout', consecutiveFaults: 3 });
  });

  it('tells a killed agent (pid gone) and a hung one (stale status) from a running one', async () => {
    const probe = scriptedSource(() => [temp(4)], { gated: true });
    const a = await run({}, { sources: [probe] });
    await eventually(() => readStatusFile(dir) !== undefined, 'status.json');
    const updated = Date.parse(readStatusFile(dir)!.updatedAt);
    const at = (now: number, alive: boolean) =>
      readAgentStatus({ dataDir: dir, diskBudgetBytes: BUDGET }, { now: () => now, pidAlive: () => alive })
        .agent.state;
    expect(at(updated + 1000, true)).toBe('running');
    expect(at(updated + 10 * 60_000, true)).toBe('unresponsive');
    expect(at(updated + 1000, false)).toBe('stopped');
    await a.close();
    await rm(join(dir, 'status.json'));
    expect(status().agent.state).toBe('never-started');
  });
});
