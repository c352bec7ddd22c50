import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Channel, isColdtrailError, makeConnectToken } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  captureLog,
  connackCode,
  connectDevice,
  makeDevice,
  memoryDirectory,
  nextMessage,
  type Rig,
  TestIngest,
} from './broker.fixture.js';
import { start } from './broker.js';
import { type ConnectCounterStore, fileConnectCounters } from './connect-counters.js';

const DAY = 24 * 3_600_000;
const dev1 = makeDevice('dev-1');
const dev2 = makeDevice('dev-2');
let dir: string;
const rigs: Rig[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-ctr-'));
});
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
  await rm(dir, { recursive: true, force: true });
});

/** A real broker on port 0 whose connect counters live in `dir` (as the server keeps them). */
async function rig(counters: ConnectCounterStore = fileConnectCounters(join(dir, 'counters.json'))) {
  const directory = memoryDirectory([dev1, dev2]);
  const ingest = TestIngest.open(directory);
  const log = captureLog();
  const broker = await start({}, { directory, ingest, log, connectCounters: counters });
  const r: Rig = {
    broker,
    ingest,
    log,
    clients: [],
    async close() {
      await Promise.all(r.clients.map((c) => c.endAsync(true)));
      await broker.close();
      await ingest.close();
    },
  };
  rigs.push(r);
  return r;
}

const tokenOf = (device: typeof dev1, ts: number, counter?: number) =>
  makeConnectToken(device.identity.device, device.identity.device, ts, device.signer, counter);

describe('connect tokens from a wrong clock (v2 counter)', () => {
  it('admits a device 3 days behind by its counter, refuses the replayed token, even after a broker restart', async () => {
    const r = await rig();
    const behind = Date.now() - 3 * DAY;
    const first = await tokenOf(dev1, behind, 1);
    const c = await connectDevice(r, dev1, { password: first });
    expect(c.connected).toBe(true);
    await c.endAsync(true);

    // the same token, captured and replayed: refused, saying why
    const as = (password: string) => connackCode(r, { clientId: 'dev-1', username: 'dev-1', password });
    expect(await as(first)).toBe(5);
    const refusal = await r.log.next('connect-refused');
    expect(refusal.fields.reason).toMatch(/counter 1 is not above the last one accepted \(1\)/);
    // a stale v1 token is refused as before; the next counter gets in
    expect(await as(await tokenOf(dev1, behind))).toBe(5);
    expect(await as(await tokenOf(dev1, behind + 60_000, 2))).toBe(0);
    // counters are per device: dev-2's first counter is fine
    expect(
      await connackCode(r, {
        clientId: 'dev-2',
        username: 'dev-2',
        password: await tokenOf(dev2, behind, 1),
      }),
    ).toBe(0);

    // a new broker on the same counter file still refuses counter 2
    await r.close();
    rigs.splice(rigs.indexOf(r), 1);
    const again = await rig();
    expect(
      await connackCode(again, {
        clientId: 'dev-1',
        username: 'dev-1',
        password: await tokenOf(dev1, behind + 60_000, 2),
      }),
    ).toBe(5);
    expect(
      await connackCode(again, {
        clientId: 'dev-1',
        username: 'dev-1',
        password: await tokenOf(dev1, behind, 3),
      }),
    ).toBe(0);
  });

  it('a fresh token is admitted whatever its counter (data dir restored), and raises the stored counter', async () => {
    const r = await rig();
    const as = async (ts: number, counter: number) =>
      connackCode(r, { clientId: 'dev-1', username: 'dev-1', password: await tokenOf(dev1, ts, counter) });
    expect(await as(Date.now() - DAY, 9)).toBe(0);
    expect(await as(Date.now(), 4)).toBe(0); // fresh: the v1 window still holds
    expect(await as(Date.now() - DAY, 9)).toBe(5);
    const file = JSON.parse(await readFile(join(dir, 'counters.json'), 'utf8'));
    expect(file.devices['dev-1']).toEqual({ publicKey: dev1.identity.publicKey, counter: 9 });
  });
});

describe('fileConnectCounters', () => {
  it('starts again for a re-enrolled key, never lowers a counter, and refuses a damaged file', async () => {
    const path = join(dir, 'c.json');
    const s = fileConnectCounters(path);
    expect(await s.last('dev-1', 'aa')).toBeUndefined();
    await s.raise('dev-1', 'aa', 5);
    await s.raise('dev-1', 'aa', 3);
    expect(await fileConnectCounters(path).last('dev-1', 'aa')).toBe(5);
    expect(await fileConnectCounters(path).last('dev-1', 'bb')).toBeUndefined();
    await writeFile(path, '{"v":1,"devices":{"dev-1":');
    try {
      fileConnectCounters(path);
      expect.unreachable('a damaged counter file must be refused');
    } catch (err) {
      expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
      expect((err as Error).message).toMatch(/restore it from a backup/);
    }
  });
});

describe('publishDeviceConfig (retained .../config downlink)', () => {
  it('a device gets its retained config on subscribe; an invalid message is refused before publishing', async () => {
    const r = await rig();
    const message = {
      v: 1 as const,
      shipment: '003712345000000018',
      profile: { id: 'vaccine-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    };
    await r.broker.publishDeviceConfig('acme', 'dev-1', message);
    await expect(
      r.broker.publishDeviceConfig('acme', 'dev-1', { ...message, shipment: null }),
    ).rejects.toThrow(/not publishing config of acme\/dev-1/);
    const c = await connectDevice(r, dev1);
    const got = nextMessage(c, dev1.topic(Channel.Config));
    await c.subscribeAsync(dev1.topic(Channel.Config), { qos: 1 });
    expect(JSON.parse((await got).toString())).toEqual(message);
  });
});
