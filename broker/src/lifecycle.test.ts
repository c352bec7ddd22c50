import { createServer, connect as netConnect } from 'node:net';
import { Channel, isColdtrailError } from '@coldtrail/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  captureLog,
  connectDevice,
  deferred,
  makeDevice,
  memoryDirectory,
  pingRoundTrip,
  type Rig,
  startRig,
  TestIngest,
  waitFor,
} from './broker.fixture.js';
import { start } from './broker.js';

let rig: Rig | undefined;
afterEach(async () => rig?.close());

describe('broker lifecycle', () => {
  it('rejects an invalid config before listening', async () => {
    const directory = memoryDirectory([]);
    const ingest = TestIngest.open(directory);
    const err = await start({ port: -1 }, { directory, ingest })
      .catch((e) => e)
      .finally(() => ingest.close());
    expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
    expect(err.message).toMatch(/broker\.port/);
  });

  it('says so when the port is taken', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as { port: number }).port;
    const directory = memoryDirectory([]);
    const log = captureLog();
    const ingest = TestIngest.open(directory);
    try {
      const err = await start({ port: taken }, { directory, ingest, log }).catch((e) => e);
      expect(isColdtrailError(err, 'UNAVAILABLE')).toBe(true);
      expect(err.message).toMatch(/already in use/);
    } finally {
      await ingest.close();
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('close() is idempotent, disconnects clients and stops listening', async () => {
    const dev = makeDevice('dev-1');
    rig = await startRig([dev]);
    const client = await connectDevice(rig, dev);
    const clientClosed = waitFor(client, 'close');
    const first = rig.broker.close();
    expect(rig.broker.close()).toBe(first);
    await first;
    await clientClosed;
    const refused = await new Promise<string>((resolve) => {
      const s = netConnect(rig?.broker.port ?? 0, '127.0.0.1');
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('connect', () => resolve('connected'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('close() lets an admitted batch finish, so its PUBACK still goes out', async () => {
    const dev = makeDevice('dev-1');
    rig = await startRig([dev]);
    const write = deferred();
    const called = deferred();
    rig.ingest.onCall = () => called.resolve();
    rig.ingest.beforeWrite = () => write.promise;
    const client = await connectDevice(rig, dev);
    const published = client.publishAsync(dev.topic(Channel.Batches), await dev.nextBatch(2), { qos: 1 });
    await called.promise;
    let closed = false;
    const closing = rig.broker.close().then(() => {
      closed = true;
    });
    await pingRoundTrip(client);
    expect(closed).toBe(false);
    write.resolve();
    await published;
    await closing;
    expect(rig.ingest.state.get('dev-1')?.storedUpTo).toBe(2);
  });

  it('close() stops waiting for a hung ingest after drainTimeoutMs and closes without its PUBACK', async () => {
    const dev = makeDevice('dev-1');
    rig = await startRig([dev], { drainTimeoutMs: 50 });
    const called = deferred();
    rig.ingest.onCall = () => called.resolve();
    rig.ingest.beforeWrite = () => new Promise<void>(() => {});
    const client = await connectDevice(rig, dev);
    const clientClosed = waitFor(client, 'close');
    let acked = false;
    client
      .publishAsync(dev.topic(Channel.Batches), await dev.nextBatch(2), { qos: 1 })
      .then(() => {
        acked = true;
      })
      .catch(() => {});
    await called.promise;
    await rig.broker.close();
    await clientClosed;
    expect(acked).toBe(false);
    expect(rig.ingest.state.get('dev-1')?.storedUpTo).toBe(0);
    expect(rig.log.entries.find((e) => e.event === 'close-drain-timeout')?.fields).toMatchObject({
      batchesInFlight: 1,
      waitedMs: 50,
    });
  }, 10_000);
});
