import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AgentHandle,
  loadOrCreateDeviceKey,
  OUTBOX_FILE,
  type SensorSource,
  startAgent,
} from '@coldtrail/agent';
import { type BrokerHandle, start as startBroker } from '@coldtrail/broker';
import {
  Channel,
  type Clock,
  deviceTopic,
  GENESIS_HASH,
  hashRecord,
  makeConnectToken,
  makeRecord,
  nobleSigner,
  parseAck,
  type Sample,
  signBatch,
} from '@coldtrail/core';
import { type LedgerSyncHandle, silentLog, start as startLedgerSync } from '@coldtrail/ledger-sync';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Refusals across the real parts (agent -> aedes broker -> ingest -> SQLite store): a device whose outbox was
 * wiped forks its own chain; the ingest refuses the fork, the agent keeps the refused records and chains a
 * fault, and what the ingest stored before is untouched. A malformed payload is refused the same way.
 */
const ORG = 'OrgOneMSP';
const quiet = { info() {}, warn() {}, error() {} };

/** Simulated time that moves only when the agent sleeps. */
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

/** `cycles` polling cycles of temperature + humidity, then idle. */
function source(cycles: number, base: number): SensorSource {
  let k = 0;
  return {
    address: 'test://probe',
    read(signal) {
      if (k >= cycles)
        return new Promise((r) => signal?.addEventListener('abort', () => r([]), { once: true }));
      const v = base + k++ / 10;
      const samples: Sample[] = [
        { sensor: 'p1', kind: 'temperature', value: v, unit: 'CEL' },
        { sensor: 'p1', kind: 'humidity', value: 50, unit: 'P1' },
      ];
      return Promise.resolve(samples);
    },
    close: async () => {},
  };
}

const root = mkdtempSync(join(tmpdir(), 'coldtrail-refusal-'));
let ls: LedgerSyncHandle;
let broker: BrokerHandle;

beforeAll(async () => {
  ls = await startLedgerSync({ dataDir: join(root, 'ls'), org: ORG }, { log: silentLog });
  broker = await startBroker({ port: 0 }, { directory: ls.directory, ingest: ls.ingest, log: quiet });
});

afterAll(async () => {
  await broker?.close();
  await ls?.close();
  rmSync(root, { recursive: true, force: true });
});

async function runAgent(
  device: string,
  cycles: number,
  base: number,
  mqttUrl = broker.url,
): Promise<AgentHandle> {
  const dataDir = join(root, device);
  const key = await loadOrCreateDeviceKey(dataDir);
  await ls.registerDevice({ id: device, publicKey: key.publicKey });
  return startAgent(
    {
      device,
      org: ORG,
      dataDir,
      mqttUrl,
      samplePeriodMs: 60_000,
      batchMaxRecords: 4,
      resendTimeoutMs: 2_000,
    },
    { clock: manualClock(Date.UTC(2026, 0, 1)), sources: [source(cycles, base)], log: quiet },
  );
}

/** Resolves once the agent has chained `n` records (events, not sleeps). */
function recorded(agent: AgentHandle, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (agent.stats().recorded >= n) {
        agent.off('record', check);
        resolve();
      }
    };
    agent.on('record', check);
    check();
  });
}

describe('refused batches across agent, broker and ingest', () => {
  it('a forked chain is refused; the agent keeps its records and chains a fault; stored data is untouched', async () => {
    const first = await runAgent('dev-a', 5, 4);
    await recorded(first, 10);
    await first.stopSampling();
    await first.drained(10_000);
    await first.close();
    const storedBefore = await ls.storedUpTo('dev-a');
    expect(storedBefore).toBe(10);

    // The outbox is lost (e.g. a replaced SD card); the key survives, so the device starts a new chain at #1.
    rmSync(join(root, 'dev-a', OUTBOX_FILE), { force: true });
    const forked = await runAgent('dev-a', 3, 9);
    const refused = new Promise<{ code: string }>((resolve) =>
      forked.once('refused', (e) => resolve(e.notice)),
    );
    const notice = await refused;
    expect(notice.code).toBe('CONFLICT');
    await forked.stopSampling();
    const stats = forked.stats();
    expect(stats.refused).toBeGreaterThanOrEqual(1);
    expect(stats.faults).toBeGreaterThanOrEqual(1);
    expect(stats.pendingRecords).toBeGreaterThan(0); // nothing the ingest refused was deleted
    await forked.close();

    expect(await ls.storedUpTo('dev-a')).toBe(storedBefore);
    const stats2 = await ls.stats();
    expect(stats2.refused).toBeGreaterThanOrEqual(1);

    // Another device is unaffected.
    const other = await runAgent('dev-b', 2, 5);
    await recorded(other, 4);
    await other.stopSampling();
    await other.drained(10_000);
    await other.close();
    expect(await ls.storedUpTo('dev-b')).toBe(4);
  });

  it('a replaced outbox whose new chain ran past the stored watermark offline is refused, not acknowledged', async () => {
    const first = await runAgent('dev-d', 3, 4);
    await recorded(first, 6);
    await first.stopSampling();
    await first.drained(10_000);
    await first.close();
    expect(await ls.storedUpTo('dev-d')).toBe(6);

    // New outbox, offline (nothing listens on port 1): the new chain reaches #20 before it ever connects.
    rmSync(join(root, 'dev-d', OUTBOX_FILE), { force: true });
    const offline = await runAgent('dev-d', 10, 9, 'mqtt://127.0.0.1:1');
    await recorded(offline, 20);
    await offline.stopSampling();
    await offline.close();

    const online = await runAgent('dev-d', 0, 0);
    const notice = await new Promise<{ code: string }>((resolve) =>
      online.once('refused', (e) => resolve(e.notice)),
    );
    expect(notice.code).toBe('CONFLICT');
    const stats = online.stats();
    expect(stats.acked).toBe(0);
    expect(stats.storedUpTo).toBe(0);
    expect(stats.pendingRecords).toBeGreaterThanOrEqual(20);
    await online.close();
    expect(await ls.storedUpTo('dev-d')).toBe(6);
  });

  it('a malformed payload gets a PUBACK and a refusal in the ack, and the broker keeps serving', async () => {
    const device = 'dev-c';
    const key = await loadOrCreateDeviceKey(join(root, device));
    await ls.registerDevice({ id: device, publicKey: key.publicKey });
    const password = await makeConnectToken(device, device, Date.now(), key.signer);
    const client = await mqtt.connectAsync(broker.url, {
      clientId: device,
      username: device,
      password,
      reconnectPeriod: 0,
    });
    try {
      const acks = deviceTopic(ORG, device, Channel.Acks);
      const ack = new Promise<ReturnType<typeof parseAck>>((resolve) =>
        client.on('message', (topic, payload) => {
          if (topic === acks) resolve(parseAck(payload));
        }),
      );
      await client.subscribeAsync(acks, { qos: 1 });
      await client.publishAsync(deviceTopic(ORG, device, Channel.Batches), '{"not":"a batch"', { qos: 1 });
      const a = await ack;
      expect(a.storedUpTo).toBe(0);
      expect(a.refused.at(-1)?.code).toBe('INVALID_INPUT');
      expect(await ls.storedUpTo(device)).toBe(0);
    } finally {
      await client.endAsync();
    }
    // The broker keeps serving the same device.
    const again = await makeConnectToken(device, device, Date.now(), key.signer);
    const client2 = await mqtt.connectAsync(broker.url, {
      clientId: device,
      username: device,
      password: again,
      reconnectPeriod: 0,
    });
    await client2.endAsync();
  });

  it('unsigned junk on the device topic is refused as 0-0: the agent marks none of its batches refused', async () => {
    const device = 'dev-e';
    const agent = await runAgent(device, 4, 5);
    await recorded(agent, 8);
    await agent.stopSampling();
    await agent.drained(10_000);
    await agent.close();
    expect(await ls.storedUpTo(device)).toBe(8);

    const key = await loadOrCreateDeviceKey(join(root, device));
    const client = await mqtt.connectAsync(broker.url, {
      clientId: device,
      username: device,
      password: await makeConnectToken(device, device, Date.now(), key.signer),
      reconnectPeriod: 0,
    });
    const batches = deviceTopic(ORG, device, Channel.Batches);
    const acks = deviceTopic(ORG, device, Channel.Acks);
    const seen: ReturnType<typeof parseAck>[] = [];
    client.on('message', (topic, payload) => {
      if (topic === acks) seen.push(parseAck(payload));
    });
    await client.subscribeAsync(acks, { qos: 1 });
    try {
      // Not a batch, but claiming a range up to 2^40; then a well-formed batch over seqs 1..3 signed with
      // another key (a forgery of records the ingest already holds).
      await client.publishAsync(batches, '{"fromSeq":1,"toSeq":1099511627776,"records":"x"}', { qos: 1 });
      let prev = GENESIS_HASH;
      const records = [1, 2, 3].map((seq) => {
        const r = makeRecord(
          device,
          seq,
          Date.UTC(2026, 0, 1) + seq * 60_000,
          { sensor: 'p1', kind: 'temperature', value: 30, unit: 'CEL' },
          prev,
        );
        prev = hashRecord(r);
        return r;
      });
      const forged = await signBatch(records, prev, nobleSigner(new Uint8Array(randomBytes(32))));
      await client.publishAsync(batches, JSON.stringify(forged), { qos: 1 });
      await expect.poll(() => seen.at(-1)?.refused.length ?? 0).toBeGreaterThanOrEqual(2);
    } finally {
      await client.endAsync();
    }
    const last = seen.at(-1)!;
    expect(last.refused.slice(-2)).toEqual([
      expect.objectContaining({ fromSeq: 0, toSeq: 0, code: 'INVALID_INPUT' }),
      expect.objectContaining({ fromSeq: 0, toSeq: 0, code: 'BAD_SIGNATURE' }),
    ]);
    // The real agent comes back, reads the retained ack with both refusals, and refuses nothing of its own.
    const back = await runAgent(device, 1, 5);
    await recorded(back, 2);
    await back.stopSampling();
    await back.drained(10_000);
    expect(back.stats()).toMatchObject({ refused: 0 });
    await back.close();
    expect(await ls.storedUpTo(device)).toBe(10);
  });
});
