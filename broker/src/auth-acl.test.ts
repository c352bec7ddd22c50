import { Channel, makeConnectToken } from '@coldtrail/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connackCode,
  connect,
  connectDevice,
  makeDevice,
  pingRoundTrip,
  type Rig,
  startRig,
  subackCodes,
  waitFor,
} from './broker.fixture.js';

const dev1 = makeDevice('dev-1');
const dev2 = makeDevice('dev-2');
const stranger = makeDevice('dev-9'); // not in the directory
const observer = { username: 'observer', password: 's3cret', subscribe: ['coldtrail/v1/+/+/status'] };

let rig: Rig;
afterEach(async () => rig?.close());

async function token(
  device = dev1,
  opts: { clientId?: string; ts?: number; signer?: typeof dev1.signer } = {},
) {
  const id = device.identity.device;
  return makeConnectToken(id, opts.clientId ?? id, opts.ts ?? Date.now(), opts.signer ?? device.signer);
}

describe('broker authentication', () => {
  it('accepts a device with a valid connect token and counts it', async () => {
    rig = await startRig([dev1, dev2]);
    expect(rig.broker.url).toBe(`mqtt://127.0.0.1:${rig.broker.port}`);
    expect(rig.broker.port).toBeGreaterThan(0);
    const client = await connectDevice(rig, dev1);
    expect(client.connected).toBe(true);
    expect(rig.broker.stats()).toMatchObject({
      connectsAccepted: 1,
      connectsRefused: 0,
      connectedClients: 1,
    });
  });

  it('refuses bad, unknown, expired and unbound credentials with the right CONNACK code', async () => {
    rig = await startRig([dev1, dev2]);
    const as = (username: string, password: string | undefined, clientId = username) =>
      connackCode(rig, { clientId, username, password });
    // Signed with dev-2's key: well-formed but wrong -> 5 not authorized.
    expect(await as('dev-1', await token(dev1, { signer: dev2.signer }))).toBe(5);
    expect(await as('dev-9', await token(stranger))).toBe(5);
    expect(await as('dev-1', await token(dev1, { ts: Date.now() - 10 * 60_000 }))).toBe(5);
    // Token valid for the client id it names, but that id is not bound to dev-1.
    expect(await as('dev-1', await token(dev1, { clientId: 'dev-2' }), 'dev-2')).toBe(5);
    // Not a token at all / no password -> 4 bad username or password.
    expect(await as('dev-1', 'hunter2')).toBe(4);
    expect(await as('dev-1', undefined)).toBe(4);
    const reasons = rig.log.entries.filter((e) => e.event === 'connect-refused').map((e) => e.fields.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/does not verify/),
      expect.stringMatching(/unknown device "dev-9"/),
      expect.stringMatching(/expired/),
      expect.stringMatching(/not bound to device dev-1/),
      expect.stringMatching(/not a coldtrail connect token/),
      expect.stringMatching(/required/),
    ]);
    expect(rig.broker.stats()).toMatchObject({ connectsAccepted: 0, connectsRefused: 6 });
  });

  it('binds client ids to the device: "<device>:<suffix>" is accepted with a token for it', async () => {
    rig = await startRig([dev1]);
    const client = await connectDevice(rig, dev1, { clientId: 'dev-1:diag' });
    expect(client.connected).toBe(true);
    // The token signs the client id: reusing it under another bound id fails.
    const password = await token(dev1, { clientId: 'dev-1:diag' });
    expect(await connackCode(rig, { clientId: 'dev-1', username: 'dev-1', password })).toBe(5);
  });

  it('uses the injected clock for token freshness', async () => {
    const simulated = Date.UTC(2030, 0, 1);
    rig = await startRig([dev1], { now: () => simulated });
    expect(await connackCode(rig, { clientId: 'dev-1', username: 'dev-1', password: await token() })).toBe(5);
    const client = await connectDevice(rig, dev1, { ts: simulated });
    expect(client.connected).toBe(true);
  });

  it('accepts a read-only service principal and refuses a wrong service password', async () => {
    rig = await startRig([dev1], { services: [observer] });
    expect(await connackCode(rig, { clientId: 'observer', username: 'observer', password: 'nope' })).toBe(4);
    const obs = await connect(rig, { clientId: 'observer', username: 'observer', password: 's3cret' });
    const granted = await subackCodes(obs, {
      'coldtrail/v1/acme/+/status': { qos: 0 },
      'coldtrail/v1/+/+/acks': { qos: 0 },
    });
    expect(granted).toEqual([0, 128]);
    const closed = waitFor(obs, 'close');
    obs.publish(dev1.topic(Channel.Status), 'online', { qos: 1 });
    await closed;
  });

  it('binds service client ids to the username and refuses a service named as a device', async () => {
    const poser = { ...observer, username: 'dev-1:diag' };
    rig = await startRig([dev1], { services: [observer, poser] });
    const device = await connectDevice(rig, dev1);
    const as = (username: string, clientId: string) =>
      connackCode(rig, { clientId, username, password: 's3cret' });
    // The observer may not take the device's client id (which would take over its session), nor any other.
    expect(await as('observer', 'dev-1')).toBe(5);
    expect(await as('observer', 'obs')).toBe(5);
    expect(await as('dev-1:diag', 'dev-1:diag')).toBe(5);
    await pingRoundTrip(device);
    expect(device.connected).toBe(true);
    const obs = await connect(rig, { clientId: 'observer:cli', username: 'observer', password: 's3cret' });
    expect(obs.connected).toBe(true);
    const reasons = rig.log.entries.filter((e) => e.event === 'connect-refused').map((e) => e.fields.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/client id "dev-1" is not bound to service observer/),
      expect.stringMatching(/client id "obs" is not bound to service observer/),
      expect.stringMatching(/service username dev-1:diag names device dev-1/),
    ]);
    await rig.close();
    // A service with a device's very id (which also shadows that device's own login).
    rig = await startRig([dev1], { services: [{ ...observer, username: 'dev-1' }] });
    expect(await as('dev-1', 'dev-1')).toBe(5);
    expect(rig.log.entries.at(-1)?.fields.reason).toMatch(/service username dev-1 names device dev-1/);
  });
});

describe('broker ACL', () => {
  it('lets a device publish status and alarms under its own prefix only', async () => {
    rig = await startRig([dev1, dev2]);
    const client = await connectDevice(rig, dev1);
    await client.publishAsync(dev1.topic(Channel.Status), 'online', { qos: 1, retain: true });
    await client.publishAsync(dev1.topic(Channel.Alarms), '{}', { qos: 1 });
    expect(rig.broker.stats().publishesDenied).toBe(0);
  });

  it.each([
    ['another device', () => dev2.topic(Channel.Status)],
    ['its own acks', () => dev1.topic(Channel.Acks)],
    ['its own config', () => dev1.topic(Channel.Config)],
    ['another org', () => 'coldtrail/v1/other/dev-1/status'],
    ['a foreign topic', () => 'random/topic'],
  ])('disconnects a device publishing on %s, and nothing reaches subscribers', async (_what, topic) => {
    rig = await startRig([dev1, dev2], { services: [{ ...observer, subscribe: ['#'] }] });
    const obs = await connect(rig, { clientId: 'observer', username: 'observer', password: 's3cret' });
    await obs.subscribeAsync('#', { qos: 1 });
    const received: string[] = [];
    obs.on('message', (t) => received.push(t));
    const client = await connectDevice(rig, dev1);
    const closed = waitFor(client, 'close');
    client.publish(topic(), 'x', { qos: 1 });
    await closed;
    // A later legitimate message from dev-2 arrives, the denied one never did.
    const dev2Client = await connectDevice(rig, dev2);
    const seen = waitFor<[string]>(obs, 'message', (t) => t === dev2.topic(Channel.Status));
    await dev2Client.publishAsync(dev2.topic(Channel.Status), 'online', { qos: 1 });
    await seen;
    expect(received).toEqual([dev2.topic(Channel.Status)]);
    expect(rig.ingest.calls).toEqual([]);
    expect(rig.log.entries.find((e) => e.event === 'publish-denied')?.fields.topic).toBe(topic());
  });

  it('grants a device its own acks and config only; everything else gets SUBACK 0x80', async () => {
    rig = await startRig([dev1, dev2]);
    const client = await connectDevice(rig, dev1);
    const filters = {
      [dev1.topic(Channel.Acks)]: { qos: 1 },
      [dev1.topic(Channel.Config)]: { qos: 1 },
      [dev2.topic(Channel.Acks)]: { qos: 1 },
      [dev1.topic(Channel.Batches)]: { qos: 1 },
      'coldtrail/v1/acme/dev-1/#': { qos: 1 },
      'coldtrail/v1/+/+/acks': { qos: 1 },
      '#': { qos: 1 },
      '$SYS/#': { qos: 0 },
    } as const;
    expect(await subackCodes(client, filters)).toEqual([1, 1, 128, 128, 128, 128, 128, 128]);
    expect(client.connected).toBe(true);
    expect(rig.broker.stats().subscriptionsDenied).toBe(6);
  });

  it('publishes a last will only on the device status topic', async () => {
    rig = await startRig([dev1, dev2], { services: [{ ...observer, subscribe: ['coldtrail/#'] }] });
    const obs = await connect(rig, { clientId: 'observer', username: 'observer', password: 's3cret' });
    await obs.subscribeAsync('coldtrail/#', { qos: 1 });
    const received: string[] = [];
    obs.on('message', (t) => received.push(t));
    const password1 = await token(dev1);
    const bad = await connect(rig, {
      clientId: 'dev-1',
      username: 'dev-1',
      password: password1,
      will: { topic: dev1.topic(Channel.Alarms), payload: Buffer.from('{}'), qos: 1, retain: false },
    });
    const good = await connect(rig, {
      clientId: 'dev-2',
      username: 'dev-2',
      password: await token(dev2),
      will: { topic: dev2.topic(Channel.Status), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    bad.stream.destroy();
    await rig.log.next('publish-denied', (e) => e.fields.topic === dev1.topic(Channel.Alarms));
    good.stream.destroy();
    await waitFor<[string]>(obs, 'message', (t) => t === dev2.topic(Channel.Status));
    expect(received).toEqual([dev2.topic(Channel.Status)]);
    expect(rig.ingest.calls).toEqual([]);
  });
});
