import { Channel, deviceTopic, isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { decidePublish, filterCovers, maySubscribe } from './acl.js';
import { BROKER_DEFAULTS, resolveBrokerConfig } from './broker-config.js';
import { createKeyedQueue } from './keyed-queue.js';
import { clientIdBelongsTo, type Principal } from './principal.js';

const device: Principal = {
  kind: 'device',
  identity: { org: 'acme', device: 'dev-1', publicKey: '00'.repeat(32) },
};
const service: Principal = {
  kind: 'service',
  username: 'obs',
  subscribe: ['coldtrail/v1/+/+/acks', '$SYS/#'],
};

describe('resolveBrokerConfig', () => {
  it('merges defaults', () => {
    expect(resolveBrokerConfig({})).toEqual(BROKER_DEFAULTS);
    expect(resolveBrokerConfig({ port: 1883, host: '0.0.0.0', drainTimeoutMs: undefined })).toMatchObject({
      port: 1883,
      host: '0.0.0.0',
      drainTimeoutMs: 10_000,
    });
  });

  it('lists every problem as broker.<key>: message', () => {
    let err: unknown;
    try {
      resolveBrokerConfig({ port: 70_000, host: '', drainTimeoutMs: 0, maxPayloadBytes: 1.5, colour: 'red' });
    } catch (e) {
      err = e;
    }
    expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
    expect((err as { details: { problems: string[] } }).details.problems).toEqual([
      expect.stringMatching(/^broker\.port: must be an integer from 0 to 65535/),
      expect.stringMatching(/^broker\.host: must be a non-empty/),
      expect.stringMatching(/^broker\.drainTimeoutMs: .*cannot be disabled/),
      expect.stringMatching(/^broker\.maxPayloadBytes: must be an integer/),
      expect.stringMatching(/^broker\.colour: unknown option/),
    ]);
    expect(() => resolveBrokerConfig('port=1')).toThrow(/config must be an object/);
  });

  it('takes COLDTRAIL_BROKER_<KEY> overrides, and names a wrong or unknown variable', () => {
    const env = { COLDTRAIL_BROKER_PORT: '1884', COLDTRAIL_BROKER_HOST: '0.0.0.0' };
    expect(resolveBrokerConfig({ port: 1883 }, env)).toMatchObject({ port: 1884, host: '0.0.0.0' });
    let err: unknown;
    try {
      resolveBrokerConfig({}, { COLDTRAIL_BROKER_PORT: '70000', COLDTRAIL_BROKER_PROT: '1' });
    } catch (e) {
      err = e;
    }
    expect((err as { details: { problems: string[] } }).details.problems).toEqual([
      expect.stringMatching(
        /^env COLDTRAIL_BROKER_PROT: unknown setting; broker reads COLDTRAIL_BROKER_PORT, /,
      ),
      expect.stringMatching(/^env COLDTRAIL_BROKER_PORT: must be an integer from 0 to 65535/),
    ]);
  });
});

describe('acl', () => {
  it('lets a device publish batches/status/alarms under its own prefix only', () => {
    for (const c of [Channel.Batches, Channel.Status, Channel.Alarms]) {
      expect(decidePublish(device, deviceTopic('acme', 'dev-1', c))).toEqual({ allowed: true, channel: c });
    }
    for (const topic of [
      deviceTopic('acme', 'dev-1', Channel.Acks),
      deviceTopic('acme', 'dev-1', Channel.Config),
      deviceTopic('acme', 'dev-2', Channel.Batches),
      deviceTopic('other', 'dev-1', Channel.Batches),
      'coldtrail/v1/acme/dev-1/batches/extra',
      'coldtrail/v1/acme/dev-1/',
      '$SYS/x',
    ]) {
      expect(decidePublish(device, topic).allowed, topic).toBe(false);
    }
    expect(decidePublish(service, deviceTopic('acme', 'dev-1', Channel.Status)).allowed).toBe(false);
  });

  it('lets a device subscribe to exactly its acks and config', () => {
    expect(maySubscribe(device, 'coldtrail/v1/acme/dev-1/acks')).toBe(true);
    expect(maySubscribe(device, 'coldtrail/v1/acme/dev-1/config')).toBe(true);
    for (const f of [
      'coldtrail/v1/acme/dev-1/+',
      'coldtrail/v1/acme/+/acks',
      '#',
      'coldtrail/v1/acme/dev-1/status',
    ]) {
      expect(maySubscribe(device, f), f).toBe(false);
    }
  });

  it('checks that a pattern covers a filter', () => {
    const cases: [string, string, boolean][] = [
      ['a/+/c', 'a/b/c', true],
      ['a/+/c', 'a/+/c', true],
      ['a/b/c', 'a/+/c', false],
      ['a/#', 'a', true],
      ['a/#', 'a/b/#', true],
      ['a/+', 'a/#', false],
      ['a/+', 'a/b/c', false],
      ['a/+/c', 'a/b', false],
      ['#', '$SYS/x', false],
      ['+/x', '$SYS/x', false],
      ['$SYS/#', '$SYS/x', true],
    ];
    for (const [p, f, expected] of cases) expect(filterCovers(p, f), `${p} ⊇ ${f}`).toBe(expected);
    expect(maySubscribe(service, 'coldtrail/v1/acme/dev-1/acks')).toBe(true);
    expect(maySubscribe(service, 'coldtrail/v1/acme/dev-1/batches')).toBe(false);
  });

  it('binds client ids to the device id', () => {
    expect(clientIdBelongsTo('dev-1', 'dev-1')).toBe(true);
    expect(clientIdBelongsTo('dev-1:diag', 'dev-1')).toBe(true);
    expect(clientIdBelongsTo('dev-10', 'dev-1')).toBe(false);
    expect(clientIdBelongsTo('dev-1-x', 'dev-1')).toBe(false);
    expect(clientIdBelongsTo('', 'dev-1')).toBe(false);
  });
});

describe('createKeyedQueue', () => {
  it('runs tasks of one key in order, one at a time, and keeps going after a failure', async () => {
    const q = createKeyedQueue();
    const log: string[] = [];
    let active = 0;
    const task =
      (name: string, fail = false) =>
      async () => {
        active++;
        expect(active).toBe(1);
        log.push(`start ${name}`);
        await new Promise((r) => setImmediate(r));
        log.push(`end ${name}`);
        active--;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      q.run('k', task('a')),
      q.run('k', task('b', true)),
      q.run('k', task('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    await q.idle();
    expect(q.busyKeys).toBe(0);
  });

  it('runs different keys concurrently', async () => {
    const q = createKeyedQueue();
    let release!: () => void;
    const held = q.run('a', () => new Promise<void>((r) => (release = r)));
    // Would never resolve if keys shared one chain.
    expect(await q.run('b', async () => 'b ran while a was held')).toBe('b ran while a was held');
    release();
    await held;
    await q.idle();
    expect(q.busyKeys).toBe(0);
  });
});
