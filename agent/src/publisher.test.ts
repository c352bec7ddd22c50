import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AckMessage,
  GENESIS_HASH,
  manualClock,
  nobleSigner,
  publicKeyFromSecret,
  type Signer,
  systemClock,
  verifyChain,
} from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IngestEmulator, startIngestEmulator, type Verdict } from './fixtures/ingest-emulator.js';
import { rotOutboxRecord } from './fixtures/outbox-rot.js';
import { eventually } from './fixtures/wait.js';
import type { Log } from './log.js';
import { Outbox } from './outbox.js';
import { Publisher, type PublisherEvents, type PublisherOptions } from './publisher.js';

const DEVICE = 'dev-7';
const ORG = 'acme';
const secret = new Uint8Array(32).fill(9);
const publicKey = publicKeyFromSecret(secret);
const signer = nobleSigner(secret);
const T0 = Date.UTC(2026, 0, 1);

let dir: string;
let outbox: Outbox;
let broker: IngestEmulator;
let publisher: Publisher | undefined;
let decide: (n: number) => Verdict;
let warnings: string[];

const log: Log = {
  info() {},
  warn: (m) => warnings.push(m),
  error: (m) => warnings.push(m),
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-pub-'));
  outbox = Outbox.open(join(dir, 'outbox.sqlite'), { device: DEVICE });
  decide = () => 'normal';
  warnings = [];
  broker = await startIngestEmulator({
    org: ORG,
    devices: { [DEVICE]: publicKey },
    decide: (_b, n) => decide(n),
  });
});
afterEach(async () => {
  await publisher?.close();
  publisher = undefined;
  await broker.close();
  outbox.close();
  await rm(dir, { recursive: true, force: true });
});

function start(over: Partial<PublisherOptions> = {}): Publisher {
  publisher = new Publisher({
    outbox,
    url: broker.url,
    org: ORG,
    device: DEVICE,
    clientId: DEVICE,
    signer,
    clock: systemClock,
    inflightWindow: 4,
    resendTimeoutMs: 60_000,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    connectTimeoutMs: 5_000,
    keepaliveS: 30,
    gapGraceMs: 50,
    log,
    ...over,
  });
  return publisher;
}

/** Appends `n` records and batches them `per` records at a time. */
async function produce(n: number, per: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    outbox.append(
      [{ sensor: 'probe-1', kind: 'temperature', value: 5 + (i % 10) / 10, unit: 'CEL' }],
      T0 + i,
    );
  }
  while (await outbox.createBatch(per, signer, T0 + n)) {}
}

const storedAll = () =>
  broker.state(DEVICE).storedUpTo === outbox.head().seq && outbox.storedUpTo() === outbox.head().seq;

describe('Publisher against a real aedes broker', () => {
  it('connects with a signed token and a retained offline will, drains with a window, applies acks', async () => {
    await produce(40, 5);
    const p = start();
    await eventually(storedAll, 'everything stored and acknowledged');
    expect(p.connected).toBe(true);
    expect(broker.state(DEVICE).records.map((r) => r.seq)).toEqual([...Array(40).keys()].map((i) => i + 1));
    expect(outbox.counts().batches).toEqual({ queued: 0, sent: 0, acked: 8, refused: 0 });
    const [connect] = broker.connects;
    expect(connect).toMatchObject({ clientId: DEVICE, username: DEVICE, clean: true, protocolVersion: 4 });
    expect(connect?.will).toMatchObject({
      topic: `coldtrail/v1/${ORG}/${DEVICE}/status`,
      retain: true,
      qos: 1,
    });
    expect(connect?.will?.payload.toString()).toBe('{"state":"offline"}');
    expect(broker.statuses.get(DEVICE)).toEqual(['{"state":"online"}']);

    // new batches are picked up when kicked
    await produce(3, 5);
    p.kick();
    await eventually(storedAll, 'the new batch');
    await p.close();
    await p.close(); // idempotent
    expect(broker.statuses.get(DEVICE)?.at(-1)).toBe('{"state":"offline"}');
  });

  it('resends unacknowledged batches after the broker restarts, with a fresh connect token', async () => {
    let now = Date.now(); // the emulated broker checks the token's time against its own clock
    const wallNow = () => (now += 1);
    await produce(20, 5);
    decide = () => 'hold'; // the ingest never answers: no PUBACK, no ack
    const p = start({ wallNow, inflightWindow: 2 });
    await eventually(() => broker.received.length === 2, 'two batches held in flight');
    expect(outbox.counts().batches.queued).toBe(4);

    decide = () => 'normal';
    const reconnected = new Promise<void>((r) => p.once('connected', r));
    const lost = new Promise((r) => p.once('disconnected', r));
    await broker.restart();
    await lost;
    await reconnected;
    await eventually(storedAll, 'everything stored after the restart');
    const passwords = broker.connects.map((c) => c.password?.toString());
    expect(passwords).toHaveLength(2);
    expect(passwords[0]).not.toBe(passwords[1]);
    expect(verifyChain(broker.state(DEVICE).records, GENESIS_HASH, 0)).toBe(outbox.head().hash);
  });

  it('resends batches that were PUBACKed but are not covered by the watermark, after the timeout', async () => {
    await produce(5, 5);
    decide = (n) => (n === 1 ? 'drop' : 'normal'); // PUBACK, but nothing stored and no ack
    start({ resendTimeoutMs: 150, gapGraceMs: 60_000 });
    await eventually(storedAll, 'the dropped batch stored after a resend');
    expect(broker.received.map((b) => b.fromSeq)).toEqual([1, 1]);
  });

  it('resends a PUBACKed batch the watermark does not cover when resendTimeoutMs has passed on its timers', async () => {
    // Time stands still until advanced; connect tokens take the timers' time, which starts at the broker's.
    const timers = manualClock(Date.now());
    await produce(5, 5);
    decide = (n) => (n === 1 ? 'drop' : 'normal'); // PUBACK, but nothing stored and no ack
    const p = start({ timers, resendTimeoutMs: 60_000, gapGraceMs: 3_600_000 });
    const resent: PublisherEvents['resent'][0][] = [];
    p.on('resent', (r) => resent.push(r));
    await eventually(() => outbox.batch(1)?.state === 'sent', 'batch 1 PUBACKed');
    timers.advance(59_999); // the resend check runs every 15 s: nothing is late yet
    expect(resent).toEqual([]);
    timers.advance(1);
    expect(resent).toEqual([{ fromSeqs: [1], reason: 'timeout' }]);
    await eventually(storedAll, 'the dropped batch stored after the resend');
    expect(broker.received.map((b) => b.fromSeq)).toEqual([1, 1]);
    expect(resent).toHaveLength(1);
  });

  it('resends from storedUpTo+1 when the ingest reports a gap', async () => {
    await produce(15, 5);
    decide = (n) => (n === 1 ? 'drop' : 'normal'); // batch 1 lost: batches 2 and 3 arrive as a gap
    start({ inflightWindow: 1 });
    await eventually(storedAll, 'everything stored after the gap resend');
    expect(broker.received.map((b) => b.fromSeq)).toEqual([1, 6, 11, 1, 6, 11]);
    expect(warnings).toContain('ingest reports a gap; resending from its watermark');
  });

  it('marks a refused batch, keeps its records, chains a fault, and blocks instead of resending', async () => {
    await produce(5, 5);
    await produce(5, 5);
    // Record #8 rots on the device's disk after batch 6-10 was signed: the batch keeps the device's valid
    // signature but its records no longer chain to the head it signed, so the ingest refuses 6-10 by name.
    // (A corrupted signature is refused as 0-0: an unsigned payload must not mark the device's batches refused.)
    rotOutboxRecord(join(dir, 'outbox.sqlite'), 8);
    await produce(5, 5);
    const p = start({ resendTimeoutMs: 100 });
    const refused = await new Promise<PublisherEvents['refused'][0]>((r) => p.once('refused', r));
    expect(refused.notice).toMatchObject({ fromSeq: 6, toSeq: 10 });
    expect(refused.fault).toMatchObject({ seq: 16, kind: 'fault', fault: 'ingest-refused', sensor: 'agent' });
    await eventually(() => broker.received.length >= 3, 'all three batches delivered once');
    expect(outbox.batch(6)?.state).toBe('refused');
    expect(outbox.storedUpTo()).toBe(5);
    expect(outbox.prune(T0 + 1e12, 0)).toBe(5); // only the acked records 1-5 may go
    expect(outbox.records(6, 16).map((r) => r.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const blocked = 'delivery is blocked: the ingest refused the batch right above its watermark';
    await eventually(() => warnings.includes(blocked), 'the blocked delivery reported');

    // the retained ack arriving again (e.g. after a reconnect) changes nothing
    const again: AckMessage = {
      v: 1,
      device: DEVICE,
      storedUpTo: 5,
      storedHead: broker.state(DEVICE).head,
      refused: broker.state(DEVICE).refused,
    };
    await broker.publishAck(DEVICE, JSON.stringify(again));
    await broker.publishAck(DEVICE, 'flush'); // malformed: ignored, but proves the previous one was handled
    await eventually(() => warnings.includes('ignoring a malformed ack'), 'the marker ack');
    expect(outbox.head().seq).toBe(16);
    expect(broker.received.length).toBe(3); // no resend storm behind the refused batch
  });

  it('ignores malformed, foreign and impossible acks and keeps working', async () => {
    await produce(5, 5);
    const p = start();
    await eventually(storedAll, 'first batch');
    const hostile = [
      'not json',
      '{"v":1}',
      JSON.stringify({ v: 1, device: 'other', storedUpTo: 5, storedHead: '0'.repeat(64), refused: [] }),
      JSON.stringify({ v: 1, device: DEVICE, storedUpTo: 999, storedHead: '0'.repeat(64), refused: [] }),
      JSON.stringify({ v: 1, device: DEVICE, storedUpTo: 5, refused: [{ fromSeq: 1 }] }),
      Buffer.from([0xff, 0xfe, 0x00]),
    ];
    for (const h of hostile) await broker.publishAck(DEVICE, h);
    await eventually(() => warnings.length >= hostile.length, 'every hostile ack logged');
    expect(warnings.filter((w) => w.startsWith('ignoring'))).toHaveLength(hostile.length);
    expect(outbox.storedUpTo()).toBe(5);
    expect(outbox.counts().batches).toEqual({ queued: 0, sent: 0, acked: 1, refused: 0 });
    await produce(5, 5);
    p.kick();
    await eventually(storedAll, 'next batch after the hostile acks');
    expect(p.connected).toBe(true);
  });

  it('keeps retrying while the broker refuses the connection, then delivers', async () => {
    await produce(5, 5);
    const wrong = nobleSigner(new Uint8Array(32).fill(1));
    let useWrong = true;
    const switching: Signer = (m) => (useWrong ? wrong(m) : signer(m));
    start({ signer: switching });
    await eventually(() => broker.connects.length >= 2, 'two refused connection attempts');
    expect(publisher?.connected).toBe(false);
    useWrong = false;
    await eventually(storedAll, 'delivery once the token is right');
  });
});
