import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nobleSigner, publicKeyFromSecret, systemClock } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IngestEmulator, startIngestEmulator } from './fixtures/ingest-emulator.js';
import { eventually } from './fixtures/wait.js';
import type { Log } from './log.js';
import { Outbox } from './outbox.js';
import { Publisher } from './publisher.js';

const DEVICE = 'dev-8';
const ORG = 'acme';
const secret = new Uint8Array(32).fill(4);
const signer = nobleSigner(secret);
const T0 = Date.UTC(2026, 0, 1);

let dir: string;
let outbox: Outbox;
let brokers: IngestEmulator[];
let publisher: Publisher | undefined;
const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
const log: Log = {
  info() {},
  warn: (message, fields) => void warnings.push({ message, fields }),
  error: (message, fields) => void warnings.push({ message, fields }),
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-failover-'));
  outbox = Outbox.open(join(dir, 'outbox.sqlite'), { device: DEVICE });
  warnings.length = 0;
  // Two brokers on port 0 that share nothing (each its own ingest store), as two sites would.
  brokers = [];
  for (let i = 0; i < 2; i++) {
    brokers.push(await startIngestEmulator({ org: ORG, devices: { [DEVICE]: publicKeyFromSecret(secret) } }));
  }
});
afterEach(async () => {
  await publisher?.close();
  publisher = undefined;
  for (const b of brokers) await b.close();
  outbox.close();
  await rm(dir, { recursive: true, force: true });
});

async function produce(n: number): Promise<void> {
  const from = outbox.head().seq;
  for (let i = 0; i < n; i++) {
    outbox.append([{ sensor: 'probe-1', kind: 'temperature', value: 5, unit: 'CEL' }], T0 + from + i);
  }
  while (await outbox.createBatch(5, signer, T0 + from + n)) {}
}

function start(urls: string[], counter?: () => number): Publisher {
  publisher = new Publisher({
    outbox,
    urls,
    org: ORG,
    device: DEVICE,
    clientId: DEVICE,
    signer,
    clock: systemClock,
    inflightWindow: 4,
    resendTimeoutMs: 60_000,
    reconnectMinMs: 10,
    reconnectMaxMs: 50,
    connectTimeoutMs: 2_000,
    keepaliveS: 30,
    gapGraceMs: 50,
    connectCounter: counter,
    log,
  });
  return publisher;
}

describe('Publisher failover across several brokers', () => {
  it('skips a broker that is down, delivers through the next, and moves back when that one goes', async () => {
    const [a, b] = brokers as [IngestEmulator, IngestEmulator];
    await a.stop(); // the first broker in the list is down from the start
    await produce(10);
    const p = start([a.url, b.url]);
    await eventually(
      () => b.state(DEVICE).storedUpTo === 10 && outbox.storedUpTo() === 10,
      'delivered via b',
    );
    expect(a.received).toHaveLength(0);
    const failed = warnings.find((w) => w.message === 'mqtt connection lost; reconnecting');
    expect(failed?.fields).toMatchObject({ url: a.url, next: b.url });

    // b goes away, a comes back: the publisher moves on to a and sends the new batch there. (Brokers of one
    // failover set front one ingest store in production, so its watermark carries over; these two emulators
    // each have their own store, so only arrival is checked here.)
    await a.resume();
    const reconnected = new Promise<void>((r) => p.once('connected', r));
    await b.stop();
    await reconnected;
    expect(a.connects).toHaveLength(1);
    await produce(5);
    p.kick();
    await eventually(
      () => a.received.some((x) => x.fromSeq === 11 && x.toSeq === 15),
      'batch 11-15 sent to a',
    );
    expect(b.received.some((x) => x.fromSeq === 11)).toBe(false);
  });

  it('signs a v2 token with a fresh counter on every connection', async () => {
    const [a, b] = brokers as [IngestEmulator, IngestEmulator];
    let n = 40;
    const p = start([a.url, b.url], () => ++n);
    await new Promise<void>((r) => p.once('connected', r));
    const reconnected = new Promise<void>((r) => p.once('connected', r));
    await a.stop();
    await reconnected;
    const tokens = [...a.connects, ...b.connects].map((c) => JSON.parse(String(c.password)));
    expect(tokens.map((t) => [t.v, t.ctr])).toEqual([
      [2, 41],
      [2, 42],
    ]);
  });

  it('refuses to start without a broker URL', () => {
    expect(() => start([])).toThrow(/url or urls/);
  });
});
