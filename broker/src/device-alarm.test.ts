import { Channel, type ServerAlarmMessage } from '@coldtrail/core';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, makeDevice, nextMessage, ORG, type Rig, startRig } from './broker.fixture.js';

const dev1 = makeDevice('dev-1');
const watcher = { username: 'alarm-watch', password: 'pw', subscribe: ['coldtrail/v1/+/+/alarms'] };
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const START = '2026-01-05T07:00:00.000Z';
const message: ServerAlarmMessage = {
  v: 1,
  source: 'server',
  event: 'raised',
  org: ORG,
  device: 'dev-1',
  sscc: '003712345000000018',
  excursion: {
    sscc: '003712345000000018',
    id: `003712345000000018:probe-1:high:instant:${Date.parse(START)}`,
    rule: 'instant',
    direction: 'above',
    limit: 8,
    start: START,
    end: '2026-01-05T07:01:00.000Z',
    durationMs: 60_000,
    maxValue: 9.1,
    sensor: 'probe-1',
    measure: 'temperature',
    zone: 'high',
    inclusive: false,
    triggeredAt: START,
    gapMs: 0,
    recordedAt: '2026-01-05T07:01:02.000Z',
    txId: 'tx-1',
  },
};

describe('publishDeviceAlarm (server-side alarms on .../alarms)', () => {
  it('reaches a service subscribed to alarms; an invalid message is refused before publishing', async () => {
    rig = await startRig([dev1], { services: [watcher] });
    const obs = await connect(rig, { clientId: 'alarm-watch', username: 'alarm-watch', password: 'pw' });
    await obs.subscribeAsync('coldtrail/v1/+/+/alarms', { qos: 1 });
    const got = nextMessage(obs, dev1.topic(Channel.Alarms));
    await rig.broker.publishDeviceAlarm(ORG, 'dev-1', message);
    expect(JSON.parse((await got).toString())).toEqual(message);
    await expect(
      rig.broker.publishDeviceAlarm(ORG, 'dev-1', {
        ...message,
        excursion: { ...message.excursion, rule: 'x' },
      } as never),
    ).rejects.toThrow(/not publishing alarm of .*\/dev-1: alarm message refused: excursion.rule/);
  });
});
