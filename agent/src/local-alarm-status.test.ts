import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyLocalState, LOCAL_STATE_FILE, saveLocalState } from './local-alarm-state.js';
import { readLocalAlarmStatus } from './local-alarm-status.js';

const root = mkdtempSync(join(tmpdir(), 'coldtrail-local-status-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = () => {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
};

const PROFILE = { id: 'profile-2-8C-v1', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 };

describe('agent status: the shipment downlink and local temperature alarms', () => {
  it('shows the watched shipment, the active alarms and the messages waiting for the broker', () => {
    const d = dir();
    const since = Date.UTC(2026, 11, 2, 3, 0);
    saveLocalState(d, {
      ...emptyLocalState(),
      config: {
        message: { v: 1, shipment: '006141410000000012', profile: PROFILE },
        acceptedAt: '2026-12-02T02:00:00.000Z',
      },
      alarms: {
        runs: { 'probe-1': { direction: 'above', start: since } },
        active: [
          {
            sensor: 'probe-1',
            rule: 'single-event',
            direction: 'above',
            limit: 8,
            since,
            raisedAt: since + 1,
          },
        ],
      },
    });
    const s = readLocalAlarmStatus(d);
    expect(s.shipment).toEqual({
      sscc: '006141410000000012',
      profile: PROFILE,
      acceptedAt: '2026-12-02T02:00:00.000Z',
    });
    expect(s.alarms).toEqual([
      {
        code: 'temperature-single-event',
        source: 'probe-1',
        since: '2026-12-02T03:00:00.000Z',
        message: expect.stringContaining('above 8 °C'),
      },
    ]);
    expect(s.alarmMessagesPending).toBe(0);
  });

  it('reads a missing or damaged state file as no shipment and no alarms, without touching it', () => {
    expect(readLocalAlarmStatus(dir())).toEqual({
      shipment: null,
      configRejected: null,
      alarms: [],
      alarmMessagesPending: 0,
    });
    const d = dir();
    writeFileSync(join(d, LOCAL_STATE_FILE), '{not json');
    expect(readLocalAlarmStatus(d).shipment).toBeNull();
  });
});
