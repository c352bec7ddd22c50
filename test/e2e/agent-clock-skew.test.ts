import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentHandle,
  CONNECT_COUNTER_FILE,
  loadOrCreateDeviceKey,
  type SensorSource,
  startAgent,
} from '@coldtrail/agent';
import { type BrokerHandle, fileConnectCounters, start as startBroker } from '@coldtrail/broker';
import { type Clock, checkConnectToken, makeConnectToken, type Sample, type Signer } from '@coldtrail/core';
import { type LedgerSyncHandle, silentLog, start as startLedgerSync } from '@coldtrail/ledger-sync';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * README "When the Pi's clock is wrong": a Raspberry Pi has no RTC and boots at fake-hwclock's saved time. An
 * agent whose wall clock is 3 days behind connects to the real broker (v2 token: its counter is above the last
 * one the broker accepted, kept in a file that survives a broker restart), delivers, and restarts; the token
 * it sent, captured and replayed, is refused.
 */
const ORG = 'OrgOneMSP';
const DEVICE = 'pi-7';
const DAY = 24 * 3_600_000;
const quiet = { info() {}, warn() {}, error() {} };

function manualClock(start: number): Clock {
  let t = start;
  return {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (!signal?.aborted) t += ms;
        setImmediate(resolve);
      }),
  };
}

function source(cycles: number): SensorSource {
  let k = 0;
  return {
    address: 'test://probe',
    read(signal) {
      if (k >= cycles)
        return new Promise((r) => signal?.addEventListener('abort', () => r([]), { once: true }));
      const samples: Sample[] = [{ sensor: 'p1', kind: 'temperature', value: 4 + k++ / 10, unit: 'CEL' }];
      return Promise.resolve(samples);
    },
    close: async () => {},
  };
}

const root = mkdtempSync(join(tmpdir(), 'coldtrail-skew-'));
const dataDir = join(root, DEVICE);
const countersFile = join(root, 'server', 'connect-counters.json');
let ls: LedgerSyncHandle;
let broker: BrokerHandle;

const startServerBroker = (port = 0) =>
  startBroker(
    { port },
    {
      directory: ls.directory,
      ingest: ls.ingest,
      log: quiet,
      connectCounters: fileConnectCounters(countersFile),
    },
  );

beforeAll(async () => {
  ls = await startLedgerSync({ dataDir: join(root, 'ls'), org: ORG }, { log: silentLog });
  broker = await startServerBroker();
  const key = await loadOrCreateDeviceKey(dataDir);
  await ls.registerDevice({ id: DEVICE, publicKey: key.publicKey });
});
afterAll(async () => {
  await broker?.close();
  await ls?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The Pi's wall clock: 3 days behind. */
const piClock = () => Date.now() - 3 * DAY;
/** Connect statements the agent signed (what its tokens carry), in order. */
const signedConnects: { ts: number; ctr: number }[] = [];

async function runAgent(cycles: number): Promise<AgentHandle> {
  const key = await loadOrCreateDeviceKey(dataDir);
  const signer: Signer = (m) => {
    const text = Buffer.from(m).toString();
    if (text.includes('"coldtrail/connect"')) signedConnects.push(JSON.parse(text));
    return key.signer(m);
  };
  return startAgent(
    { device: DEVICE, org: ORG, dataDir, mqttUrl: broker.url, samplePeriodMs: 60_000, batchMaxRecords: 2 },
    {
      clock: manualClock(Date.UTC(2026, 0, 1)),
      sources: [source(cycles)],
      wallNow: piClock,
      signer,
      publicKey: key.publicKey,
      log: quiet,
    },
  );
}

function connack(password: string): Promise<number> {
  const client = mqtt.connect(broker.url, {
    clientId: DEVICE,
    username: DEVICE,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  return new Promise((resolve) => {
    client.on('packetreceive', (p) => {
      if (p.cmd === 'connack') {
        resolve(p.returnCode ?? -1);
        client.end(true);
      }
    });
    client.on('error', () => {});
  });
}

describe('an agent whose clock is 3 days behind (no RTC)', () => {
  it('connects and delivers, restarts and connects again; its captured token is refused, also after a broker restart', async () => {
    const first = await runAgent(4);
    await new Promise<void>((r) => (first.stats().connected ? r() : first.once('connected', r)));
    await first.stopSampling();
    await first.drained(10_000);
    expect(await ls.storedUpTo(DEVICE)).toBe(4);
    await first.close();

    // what went over the wire: the token is deterministic (Ed25519), so rebuilding it is replaying it
    const counter = JSON.parse(readFileSync(join(dataDir, CONNECT_COUNTER_FILE), 'utf8')).counter as number;
    const sent = signedConnects.at(-1) as { ts: number; ctr: number };
    expect(sent.ctr).toBe(counter);
    expect(Math.abs(sent.ts - (Date.now() - 3 * DAY))).toBeLessThan(60_000);
    const key = await loadOrCreateDeviceKey(dataDir);
    const captured = await makeConnectToken(DEVICE, DEVICE, sent.ts, key.signer, sent.ctr);
    // genuine: it verifies (refusing it below is the counter's doing, not a broken signature)
    expect(checkConnectToken(DEVICE, DEVICE, captured, key.publicKey, sent.ts).fresh).toBe(true);
    expect(await connack(captured)).toBe(5);

    // a restart of the agent, still 3 days behind, connects with the next counter
    const second = await runAgent(2);
    await new Promise<void>((r) => (second.stats().connected ? r() : second.once('connected', r)));
    await second.stopSampling();
    await second.drained(10_000);
    await second.close();
    expect(await ls.storedUpTo(DEVICE)).toBe(6);
    const next = JSON.parse(readFileSync(join(dataDir, CONNECT_COUNTER_FILE), 'utf8')).counter as number;
    expect(next).toBeGreaterThan(counter);

    // the server restarts: the counters are on its disk, so the replays stay refused
    const port = broker.port;
    await broker.close();
    broker = await startServerBroker(port);
    expect(await connack(captured)).toBe(5);
    expect(
      await connack(
        await makeConnectToken(
          DEVICE,
          DEVICE,
          (signedConnects.at(-1) as { ts: number }).ts,
          key.signer,
          next,
        ),
      ),
    ).toBe(5);
    // and a v1 token from that clock never worked
    expect(await connack(await makeConnectToken(DEVICE, DEVICE, Date.now() - 3 * DAY, key.signer))).toBe(5);
  });
});
