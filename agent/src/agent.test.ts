import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Clock,
  GENESIS_HASH,
  isColdtrailError,
  manualClock as manualTimers,
  type Sample,
  type Signer,
  verifyChain,
} from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentDeps, OUTBOX_FILE, start } from './agent.js';
import type { AgentEvents, AgentHandle } from './agent-handle.js';
import { type AgentConfig, parseAgentConfig } from './config.js';
import { loadOrCreateDeviceKey } from './device-key.js';
import { type IngestEmulator, startIngestEmulator, type Verdict } from './fixtures/ingest-emulator.js';
import { rotOutboxRecord } from './fixtures/outbox-rot.js';
import { scriptedSource } from './fixtures/scripted-source.js';
import { eventually } from './fixtures/wait.js';
import { type Log, silentLog } from './log.js';

const DEVICE = 'truck-12';
const ORG = 'acme';
const PERIOD = 60_000;

/** Simulated time that advances only when the agent sleeps: cycle k is stamped exactly t0 + k * period. */
function manualClock(start: number): Clock & { t: number } {
  const c = {
    t: start,
    now: () => c.t,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (!signal?.aborted) c.t += ms;
        setImmediate(resolve);
      }),
  };
  return c;
}

const temp = (value: number): Sample => ({ sensor: 'probe-1', kind: 'temperature', value, unit: 'CEL' });
const hum = (value: number): Sample => ({ sensor: 'probe-1', kind: 'humidity', value, unit: 'P1' });

let dir: string;
let broker: IngestEmulator;
let clock: ReturnType<typeof manualClock>;
let decide: (n: number) => Verdict;
const agents: AgentHandle[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-agent-'));
  clock = manualClock(Date.UTC(2026, 0, 1)); // simulated time; connect tokens still use wall time
  decide = () => 'normal';
  const key = await loadOrCreateDeviceKey(dir);
  broker = await startIngestEmulator({
    org: ORG,
    devices: { [DEVICE]: key.publicKey },
    decide: (_b, n) => decide(n),
  });
});
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

function config(over: Partial<AgentConfig> = {}): AgentConfig {
  return {
    device: DEVICE,
    org: ORG,
    dataDir: dir,
    mqttUrl: broker.url,
    samplePeriodMs: PERIOD,
    batchMaxRecords: 10,
    batchMaxAgeMs: 10 * PERIOD,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    gapGraceMs: 50,
    ...over,
  };
}

async function run(over: Partial<AgentConfig>, deps: AgentDeps): Promise<AgentHandle> {
  const a = await start(config(over), { clock, log: silentLog, ...deps });
  agents.push(a);
  return a;
}

describe('agent', () => {
  it('samples on the clock, records faults, and delivers everything end to end', async () => {
    const t0 = clock.now();
    const probe = scriptedSource(
      (k) => {
        if (k === 4) throw new Error('driver bug'); // read() rejects: a source breaking its contract
        if (k === 7) return [{ sensor: 'probe-1', kind: 'fault', fault: 'crc' }];
        return [temp(4 + k / 10), hum(50)];
      },
      { cycles: 12 },
    );
    const a = await run({}, { sources: [probe] });
    await eventually(() => probe.reads === 12, 'twelve polling cycles');
    await a.stopSampling();
    await a.drained(10_000);

    const stored = broker.state(DEVICE).records;
    expect(stored).toHaveLength(22); // 10 good cycles x 2 + 2 faults
    expect(verifyChain(stored, GENESIS_HASH, 0)).toBe(broker.state(DEVICE).head);
    expect(
      stored
        .map((r) => Date.parse(r.ts) - t0)
        .filter((_, i) => i % 2 === 0)
        .slice(0, 4),
    ).toEqual([0, PERIOD, 2 * PERIOD, 3 * PERIOD]);
    expect(stored.filter((r) => r.kind === 'fault').map((r) => [r.sensor, r.fault])).toEqual([
      ['agent', 'disconnected'],
      ['probe-1', 'crc'],
    ]);
    expect(a.stats()).toMatchObject({
      recorded: 22,
      faults: 2,
      storedUpTo: 22,
      pendingRecords: 0,
      refused: 0,
      connected: true,
    });
    expect(a.nextSeq()).toBe(23);
  });

  it('cuts a batch when its oldest record reaches batchMaxAgeMs, before it is full', async () => {
    const probe = scriptedSource((k) => [temp(k)], { cycles: 10 });
    const sizes: number[] = [];
    const a = await run({ batchMaxRecords: 50, batchMaxAgeMs: 3 * PERIOD }, { sources: [probe] });
    a.on('batch', (b) => sizes.push(b.toSeq - b.fromSeq + 1));
    await eventually(() => probe.reads === 10, 'ten cycles');
    await a.stopSampling();
    expect(sizes).toEqual([4, 4, 2]); // records at 0..3 min cut at 3 min; the tail flushed on stop
  });

  it('stores while the broker is away and delivers after it comes back; restarts continue the chain', async () => {
    await broker.stop();
    const probe = scriptedSource((k) => [temp(k)], { cycles: 6 });
    const a = await run({ batchMaxRecords: 2 }, { sources: [probe] });
    await eventually(() => probe.reads === 6, 'six cycles offline');
    await a.stopSampling();
    expect(a.stats()).toMatchObject({ recorded: 6, batches: 3, storedUpTo: 0, connected: false });
    await expect(a.drained(50)).rejects.toThrow(/stored up to #0 of #6 \(not connected\)/);

    const connected = new Promise<void>((r) => a.once('connected', r));
    await broker.resume();
    await connected;
    await a.drained(10_000);
    await a.close();
    await a.close(); // idempotent

    const probe2 = scriptedSource((k) => [temp(10 + k)], { cycles: 3 });
    const b = await run({ batchMaxRecords: 2 }, { sources: [probe2] });
    await eventually(() => probe2.reads === 3, 'three more cycles');
    await b.stopSampling();
    await b.drained(10_000);
    // the restart's readings (10, 11, 12) continue at #7
    expect(
      broker
        .state(DEVICE)
        .records.slice(6)
        .map((r) => [r.seq, r.value]),
    ).toEqual([
      [7, 10],
      [8, 11],
      [9, 12],
    ]);
    expect(verifyChain(broker.state(DEVICE).records, GENESIS_HASH, 0)).toBe(broker.state(DEVICE).head);
    expect(broker.state(DEVICE).storedUpTo).toBe(9);
  });

  it('reports a refused batch as an event and a fault record, and drained() says why it cannot finish', async () => {
    const key = await loadOrCreateDeviceKey(dir);
    let signed = 0;
    // Record #4 rots on the device's disk while batch 3-4 is being signed: the batch keeps the device's valid
    // signature but its records no longer chain to the head it signed, so the ingest refuses 3-4 by name.
    // (A corrupted signature is refused as 0-0: an unsigned payload must not mark the device's batches refused.)
    const signer: Signer = async (m) => {
      const header = Buffer.from(m).toString().includes('coldtrail/batch-header'); // not a connect token
      if (header && ++signed === 2) rotOutboxRecord(join(dir, OUTBOX_FILE), 4);
      return key.signer(m);
    };
    const probe = scriptedSource((k) => [temp(k)], { cycles: 6 });
    const a = await run({ batchMaxRecords: 2 }, { sources: [probe], signer, publicKey: key.publicKey });
    const refused = await new Promise<AgentEvents['refused'][0]>((r) => a.once('refused', r));
    expect(refused.notice).toMatchObject({ fromSeq: 3, toSeq: 4 });
    expect(refused.fault).toMatchObject({ kind: 'fault', fault: 'ingest-refused', sensor: 'agent' });
    await eventually(() => probe.reads === 6, 'six cycles');
    await a.stopSampling();
    const err = await a.drained(300).catch((e: unknown) => e);
    expect(isColdtrailError(err, 'TIMEOUT')).toBe(true);
    expect(a.stats()).toMatchObject({ refused: 1, storedUpTo: 2, faults: 1, recorded: 7 });
    expect(a.publicKey).toBe(key.publicKey);
  });

  it('refuses to start on a bad config, naming every problem', async () => {
    const err = await start(
      { ...config(), device: 'bad id', mqttUrl: 'http://x', batchMaxRecords: 0, extra: 1 } as never,
      {
        log: silentLog,
      },
    ).catch((e: unknown) => e);
    expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^invalid agent config:/);
    expect(msg).toMatch(/\n {2}device: must be 1-64 characters/);
    expect(msg).toMatch(/\n {2}mqttUrl: must be a URL/);
    expect(msg).toMatch(/\n {2}batchMaxRecords: /);
    expect(msg).toMatch(/extra/);
    await expect(start(config(), { log: silentLog })).rejects.toThrow(/sources: name at least one sensor/);
    expect(parseAgentConfig(config())).toMatchObject({ inflightWindow: 8, retentionMs: 604_800_000 });
  });

  it('deletes acknowledged records past the retention window at most once a minute of its timers', async () => {
    const timers = manualTimers(Date.now()); // connect tokens take the timers' time
    const pruned: unknown[] = [];
    const log: Log = {
      ...silentLog,
      info: (message, fields) => {
        if (message.startsWith('deleted acknowledged records')) pruned.push(fields?.records);
      },
    };
    const probe = scriptedSource((k) => [temp(k)], { gated: true });
    const a = await run({ batchMaxRecords: 1, retentionMs: 0 }, { sources: [probe], timers, log });
    const reading = async (seq: number) => {
      await eventually(() => probe.waiting(), `the sampler reading #${seq}`);
      probe.release();
      await eventually(() => a.stats().storedUpTo === seq, `#${seq} acknowledged`); // each ack asks to prune
    };
    await reading(1);
    await reading(2);
    timers.advance(59_999);
    await reading(3);
    expect(pruned).toEqual([]); // pruned at start (nothing to delete), not again within the minute
    timers.advance(1);
    await reading(4);
    expect(pruned).toEqual([4]);
    expect(a.stats().pendingRecords).toBe(0);
  });

  it('opens configured addresses through openSource and closes what it opened', async () => {
    const probe = scriptedSource((k) => [temp(k)], { cycles: 2 });
    let closed = 0;
    const opened: string[] = [];
    const a = await run(
      { sources: ['modbus:///dev/ttyFAKE?unit=3'] },
      {
        openSource: async (address) => {
          opened.push(address);
          return { ...probe, address, read: probe.read, close: async () => void closed++ };
        },
      },
    );
    await eventually(() => probe.reads === 2, 'two cycles');
    await a.close();
    expect(opened).toEqual(['modbus:///dev/ttyFAKE?unit=3']);
    expect(closed).toBe(1);

    // a source that cannot be opened fails the start with its error; the ones already open are closed
    const failing = start(config({ sources: ['modbus:///dev/ttyA?unit=1', 'nmea:///dev/ttyB'] }), {
      clock,
      log: silentLog,
      openSource: async (address) => {
        if (address.startsWith('nmea:')) throw new Error('nmea: sources are not supported yet');
        return { ...probe, address, close: async () => void closed++ };
      },
    });
    await expect(failing).rejects.toThrow(/not supported yet/);
    expect(closed).toBe(2);
  });
});
