// Test support for the broker tests (excluded from the build). A device with a real Ed25519 key, an in-memory
// directory, the real ingest (ledger-sync's, a devDependency: the broker itself never imports it, DESIGN §1)
// with hooks, and helpers to run a real aedes broker on port 0 with real mqtt.js clients.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Channel,
  deviceTopic,
  GENESIS_HASH,
  hashRecord,
  MAX_ACK_REFUSALS,
  makeConnectToken,
  makeRecord,
  nobleSigner,
  publicKeyFromSecret,
  type ReadingRecord,
  type RefusalNotice,
  type Signer,
  signBatch,
} from '@coldtrail/core';
import {
  createIngest,
  type ReadingStore,
  SqliteReadingStore,
  type StoredBatch,
  type StoredRecord,
  silentLog,
} from '@coldtrail/ledger-sync';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { start } from './broker.js';
import type { BrokerLog } from './broker-log.js';
import type { BrokerHandle } from './broker-types.js';
import type { DeviceDirectory, DeviceIdentity, IngestOutcome, IngestPort } from './ports.js';
import type { ServiceCredential } from './principal.js';

export const ORG = 'acme';

export interface TestDevice {
  identity: DeviceIdentity;
  signer: Signer;
  topic(channel: Channel): string;
  /** Next signed batch of `n` temperature records, continuing this device's chain. */
  nextBatch(n?: number): Promise<Buffer>;
}

export function makeDevice(device: string, org = ORG): TestDevice {
  const secret = new Uint8Array(randomBytes(32));
  const signer = nobleSigner(secret);
  let seq = 0;
  let head = GENESIS_HASH;
  return {
    identity: { device, org, publicKey: publicKeyFromSecret(secret) },
    signer,
    topic: (channel) => deviceTopic(org, device, channel),
    async nextBatch(n = 3) {
      const records: ReadingRecord[] = [];
      for (let i = 0; i < n; i++) {
        seq++;
        const r = makeRecord(
          device,
          seq,
          Date.UTC(2026, 0, 1, 0, seq),
          {
            sensor: 'probe-1',
            kind: 'temperature',
            value: 4 + seq / 10,
            unit: 'CEL',
          },
          head,
        );
        records.push(r);
        head = hashRecord(r);
      }
      return Buffer.from(JSON.stringify(await signBatch(records, head, signer)));
    },
  };
}

export function memoryDirectory(devices: TestDevice[]): DeviceDirectory {
  const map = new Map(devices.map((d) => [d.identity.device, d.identity]));
  return { lookup: async (device) => map.get(device) };
}

export interface DeviceState {
  head: string;
  storedUpTo: number;
  records: ReadingRecord[];
  refused: RefusalNotice[];
}

/**
 * The real ingest (ledger-sync's createIngest over a SqliteReadingStore in a temp dir), so what the broker is
 * tested against is what it runs with; around it, what the tests watch and steer: each call, the calls in
 * flight, a hook before the durable write (hold it, or fail it as storage would), and `state`, a snapshot of
 * what the store holds per device, taken as each call finishes. Runs the IngestPort contract
 * (test-ingest.test.ts), hooks and all.
 */
export class TestIngest implements IngestPort {
  /** What the store holds per device (every device this ingest was called for), as of the last call's end. */
  readonly state = new Map<string, DeviceState>();
  readonly calls: { org: string; device: string; bytes: number }[] = [];
  active = 0;
  maxActive = 0;
  /** Called with each ingest call as it starts (before verification). */
  onCall: (call: { org: string; device: string }) => void = () => {};
  /** Runs before the store's durable write; reject to fail it as storage would, hold to delay it. */
  beforeWrite: (device: string) => Promise<void> = async () => {};
  #store: ReadingStore;
  #port: IngestPort;

  private constructor(
    private readonly directory: DeviceDirectory,
    private readonly dir: string,
  ) {
    this.#store = SqliteReadingStore.open(join(dir, 'readings.db'));
    this.#port = this.#open();
  }

  static open(directory: DeviceDirectory): TestIngest {
    return new TestIngest(directory, mkdtempSync(join(tmpdir(), 'coldtrail-broker-')));
  }

  async ingest(org: string, device: string, payload: Uint8Array): Promise<IngestOutcome> {
    this.calls.push({ org, device, bytes: payload.byteLength });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    if (!this.state.has(device)) {
      this.state.set(device, { head: GENESIS_HASH, storedUpTo: 0, records: [], refused: [] });
    }
    try {
      this.onCall({ org, device });
      return await this.#port.ingest(org, device, payload);
    } finally {
      this.active--;
      await this.#snapshot(device);
    }
  }

  /** The same store file opened anew, as after a restart. */
  async reopen(): Promise<TestIngest> {
    await this.#store.close();
    this.#store = SqliteReadingStore.open(join(this.dir, 'readings.db'));
    this.#port = this.#open();
    return this;
  }

  async close(): Promise<void> {
    await this.#store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #open(): IngestPort {
    const store = this.#store;
    const appendBatch = async (batch: StoredBatch, records: readonly StoredRecord[]) => {
      await this.beforeWrite(batch.device);
      return store.appendBatch(batch, records);
    };
    // Every other method is the store's own, called on the store (its fields are private to it).
    const hooked = new Proxy(store, {
      get: (target, prop) => {
        if (prop === 'appendBatch') return appendBatch;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return createIngest({ store: hooked, directory: this.directory, log: silentLog });
  }

  async #snapshot(device: string): Promise<void> {
    const head = await this.#store.head(device);
    this.state.set(device, {
      head: head.hash,
      storedUpTo: head.seq,
      records: (await this.#store.records(device, 1, head.seq)).map((r) => r.record),
      refused: await this.#store.refusals(device, MAX_ACK_REFUSALS),
    });
  }
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  event: string;
  fields: Record<string, unknown>;
}

export interface CapturedLog extends BrokerLog {
  entries: LogEntry[];
  /** Resolves with the first entry (already logged or future) named `event` that matches. */
  next(event: string, match?: (e: LogEntry) => boolean): Promise<LogEntry>;
}

export function captureLog(): CapturedLog {
  const entries: LogEntry[] = [];
  const bus = new EventEmitter();
  const at =
    (level: LogEntry['level']) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      const entry = { level, event, fields };
      entries.push(entry);
      bus.emit('entry', entry);
    };
  return {
    entries,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    next(event, match = () => true) {
      const ok = (e: LogEntry) => e.event === event && match(e);
      const seen = entries.find(ok);
      if (seen) return Promise.resolve(seen);
      return waitFor<[LogEntry]>(bus, 'entry', ok).then(([e]) => e);
    },
  };
}

export interface Rig {
  broker: BrokerHandle;
  ingest: TestIngest;
  log: CapturedLog;
  clients: MqttClient[];
  close(): Promise<void>;
}

export async function startRig(
  devices: TestDevice[],
  options: {
    maxPayloadBytes?: number;
    drainTimeoutMs?: number;
    services?: ServiceCredential[];
    now?: () => number;
  } = {},
): Promise<Rig> {
  const directory = memoryDirectory(devices);
  const ingest = TestIngest.open(directory);
  const log = captureLog();
  const broker = await start(
    { maxPayloadBytes: options.maxPayloadBytes, drainTimeoutMs: options.drainTimeoutMs },
    {
      directory,
      ingest,
      log,
      clock: { now: options.now ?? Date.now },
      serviceCredentials: options.services,
    },
  );
  const clients: MqttClient[] = [];
  return {
    broker,
    ingest,
    log,
    clients,
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await broker.close();
      await ingest.close();
    },
  };
}

const BASE: IClientOptions = { reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 5_000 };

/** Connects `device` with a fresh connect token; resolves with the client or rejects with the refusal. */
export async function connectDevice(
  rig: Rig,
  device: TestDevice,
  overrides: { clientId?: string; password?: string; ts?: number } = {},
): Promise<MqttClient> {
  const id = device.identity.device;
  const clientId = overrides.clientId ?? id;
  const password =
    overrides.password ?? (await makeConnectToken(id, clientId, overrides.ts ?? Date.now(), device.signer));
  return connect(rig, { ...BASE, clientId, username: id, password });
}

export async function connect(rig: Rig, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(rig.broker.url, { ...BASE, ...options });
  rig.clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
  return client;
}

/** The CONNACK return code a connection attempt gets. */
export async function connackCode(rig: Rig, options: IClientOptions): Promise<number> {
  const client = mqtt.connect(rig.broker.url, { ...BASE, ...options });
  rig.clients.push(client);
  return new Promise((resolve) => {
    client.on('packetreceive', (p) => {
      if (p.cmd === 'connack') resolve(p.returnCode ?? -1);
    });
    client.on('error', () => {});
  });
}

/** Resolves with the first event whose args satisfy `match`. */
// biome-ignore lint/suspicious/noExplicitAny: listener shapes differ per emitter (mqtt.js types its events).
type Listenable = { on(event: any, listener: any): unknown; off(event: any, listener: any): unknown };

export function waitFor<T extends unknown[]>(
  emitter: Listenable,
  event: string,
  match: (...args: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]) => {
      if (match(...(args as T))) {
        emitter.off(event, listener);
        resolve(args as T);
      }
    };
    emitter.on(event, listener);
  });
}

/** A PINGREQ/PINGRESP round trip: everything the broker wrote before the PINGRESP has arrived. */
export async function pingRoundTrip(client: MqttClient): Promise<void> {
  const pong = waitFor<[{ cmd: string }]>(client, 'packetreceive', (p) => p.cmd === 'pingresp');
  client.sendPing();
  await pong;
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Subscribes and returns the SUBACK return codes as sent (mqtt.js turns any 0x80 into an error). */
export async function subackCodes(
  client: MqttClient,
  filters: Record<string, { qos: 0 | 1 }>,
): Promise<number[]> {
  const suback = waitFor<[{ cmd: string; granted?: number[] }]>(
    client,
    'packetreceive',
    (p) => p.cmd === 'suback',
  );
  client.subscribe(filters, () => {});
  const [packet] = await suback;
  return packet.granted ?? [];
}

/**
 * Waits until `condition()` holds, checking on every turn of the event loop; for broker state that has no
 * event of its own (e.g. stats). Fails after `timeoutMs` instead of hanging.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Next message on `topic` (subscribe first). */
export function nextMessage(client: MqttClient, topic: string): Promise<Buffer> {
  return waitFor<[string, Buffer]>(client, 'message', (t) => t === topic).then(([, payload]) => payload);
}
