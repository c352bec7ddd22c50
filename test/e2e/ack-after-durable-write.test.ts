import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDeviceKey } from '@coldtrail/agent';
import { type BrokerHandle, start as startBroker } from '@coldtrail/broker';
import {
  Channel,
  deviceTopic,
  GENESIS_HASH,
  hashRecord,
  makeConnectToken,
  makeRecord,
  type ReadingRecord,
  type Signer,
  signBatch,
} from '@coldtrail/core';
import {
  type LedgerSyncHandle,
  type ReadingStore,
  SqliteReadingStore,
  silentLog,
  start as startLedgerSync,
} from '@coldtrail/ledger-sync';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Ack after durable write, with the real parts: aedes broker, ledger-sync's ingest and its SQLite reading
 * store. The store's write is held (then failed) and the device's PUBACK must not arrive until the write is
 * durable; a failed write sends no PUBACK at all and stores nothing.
 */
const ORG = 'OrgOneMSP';
const quiet = { info() {}, warn() {}, error() {} };

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The real SQLite store, with a gate in front of appendBatch that a test can hold or make fail. */
function gatedStore(inner: ReadingStore) {
  const gate = {
    hold: undefined as ReturnType<typeof deferred> | undefined,
    failNext: false,
    entered: deferred(),
  };
  const store: ReadingStore = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'appendBatch') {
        // Bind to the real store: its methods use private fields, which a Proxy receiver cannot reach.
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (...args: Parameters<ReadingStore['appendBatch']>) => {
        gate.entered.resolve();
        if (gate.hold) await gate.hold.promise;
        if (gate.failNext) {
          gate.failNext = false;
          throw new Error('disk full (injected)');
        }
        return target.appendBatch(...args);
      };
    },
  });
  return { store, gate };
}

const root = mkdtempSync(join(tmpdir(), 'coldtrail-ackdurable-'));
let inner: SqliteReadingStore;
let gated: ReturnType<typeof gatedStore>;
let ls: LedgerSyncHandle;
let broker: BrokerHandle;

beforeAll(async () => {
  inner = SqliteReadingStore.open(join(root, 'readings.db'));
  gated = gatedStore(inner);
  ls = await startLedgerSync({ dataDir: root, org: ORG }, { store: gated.store, log: silentLog });
  broker = await startBroker({ port: 0 }, { directory: ls.directory, ingest: ls.ingest, log: quiet });
});

afterAll(async () => {
  await broker?.close();
  await ls?.close();
  await inner?.close();
  rmSync(root, { recursive: true, force: true });
});

async function device(id: string) {
  const key = await loadOrCreateDeviceKey(join(root, id));
  await ls.registerDevice({ id, publicKey: key.publicKey });
  let prev = GENESIS_HASH;
  let seq = 0;
  const records = (n: number): ReadingRecord[] =>
    Array.from({ length: n }, () => {
      const r = makeRecord(
        id,
        ++seq,
        Date.UTC(2026, 0, 1, 0, seq),
        {
          sensor: 'p1',
          kind: 'temperature',
          value: 5,
          unit: 'CEL',
        },
        prev,
      );
      prev = hashRecord(r);
      return r;
    });
  const batch = async (n: number) => {
    const rs = records(n);
    return JSON.stringify(await signBatch(rs, hashRecord(rs.at(-1)!), key.signer));
  };
  const connect = async () =>
    mqtt.connectAsync(broker.url, {
      clientId: id,
      username: id,
      password: await makeConnectToken(id, id, Date.now(), key.signer as Signer),
      reconnectPeriod: 0,
    });
  return { id, batch, connect, topic: deviceTopic(ORG, id, Channel.Batches) };
}

/** Publishes QoS 1; `pubacked` turns true only when the PUBACK arrives. */
function publishTracked(client: MqttClient, topic: string, payload: string) {
  const t = { pubacked: false, done: undefined as unknown as Promise<Error | undefined> };
  t.done = new Promise((resolve) =>
    client.publish(topic, payload, { qos: 1 }, (err) => {
      if (!err) t.pubacked = true;
      resolve(err ?? undefined);
    }),
  );
  return t;
}

describe('PUBACK only after the durable write (real broker, ingest and SQLite store)', () => {
  it('holds the PUBACK while the store write is held, and nothing is stored before it', async () => {
    const dev = await device('dev-hold');
    const other = await device('dev-other');
    const client = await dev.connect();
    const otherClient = await other.connect();
    try {
      const held = deferred();
      gated.gate.hold = held;
      gated.gate.entered = deferred();
      const pub = publishTracked(client, dev.topic, await dev.batch(5));
      await gated.gate.entered.promise; // the ingest verified the batch and is now in the store's write
      // A full QoS 1 round trip through the same broker after that point (another device, whose write is
      // not held): the broker is not stuck, and the held device still has no PUBACK and nothing stored.
      gated.gate.hold = undefined;
      await otherClient.publishAsync(other.topic, await other.batch(2), { qos: 1 });
      expect((await inner.head(other.id)).seq).toBe(2);
      expect(pub.pubacked).toBe(false);
      expect((await inner.head(dev.id)).seq).toBe(0);
      held.resolve();
      expect(await pub.done).toBeUndefined();
      expect(pub.pubacked).toBe(true);
      expect((await inner.head(dev.id)).seq).toBe(5);
    } finally {
      gated.gate.hold = undefined;
      await client.endAsync();
      await otherClient.endAsync();
    }
  });

  it('a failed store write sends no PUBACK, drops the connection and stores nothing; a resend is stored', async () => {
    const dev = await device('dev-fail');
    const client = await dev.connect();
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const payload = await dev.batch(3);
    gated.gate.failNext = true;
    const pub = publishTracked(client, dev.topic, payload);
    await closed;
    expect(pub.pubacked).toBe(false);
    expect((await inner.head(dev.id)).seq).toBe(0);
    await client.endAsync(true);

    const again = await dev.connect();
    try {
      await again.publishAsync(dev.topic, payload, { qos: 1 });
      expect((await inner.head(dev.id)).seq).toBe(3);
    } finally {
      await again.endAsync();
    }
  });
});
