import { excursionKeyId, parseProfile, profileSummary } from '@coldtrail/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryPeer } from './test-harness.js';

// Shipments under a versioned profile (issue 9): the contract stores the profile, checks the summary against
// it, keys excursions per sensor and zone, and refuses excursions the profile cannot produce.
const OWNER = 'ColdtrailOrgMSP';
const SSCC = '037612345000000014';
const KEY = 'a'.repeat(64);
const START = '2025-03-01T10:00:00.000Z';
const START_MS = Date.parse(START);

const spec = parseProfile({
  uri: 'https://coldtrail.dev/profiles/test-2-8c/v1',
  id: 'test-2-8C',
  version: 1,
  title: 'test 2-8 °C',
  samplePeriodSeconds: 60,
  zones: [
    { id: 'high', above: 8, alarms: [{ kind: 'instant' }, { kind: 'single-event', delayMinutes: 30 }] },
    { id: 'low', below: 2, alarms: [{ kind: 'single-event', delayMinutes: 30 }] },
    { id: 'humid', measure: 'humidity', atOrAbove: 75, alarms: [{ kind: 'cumulative', budgetMinutes: 60 }] },
  ],
});

const shipment = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    sscc: SSCC,
    device: 'probe-1',
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: profileSummary(spec),
    profileSpec: spec,
    fromSeq: 1,
    ...over,
  });

const excursion = (over: Record<string, unknown> = {}) => {
  const e: Record<string, unknown> = {
    sscc: SSCC,
    rule: 'single-event',
    direction: 'above',
    limit: 8,
    start: START,
    end: '2025-03-01T11:00:00.000Z',
    durationMs: 3_600_000,
    maxValue: 9.4,
    sensor: 'probe-a',
    measure: 'temperature',
    zone: 'high',
    inclusive: false,
    triggeredAt: '2025-03-01T10:30:00.000Z',
    gapMs: 0,
    ...over,
  };
  e.id ??= excursionKeyId(SSCC, e.sensor as string, e.zone as string, e.rule as string, START_MS);
  return JSON.stringify(e);
};

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
  await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
});

describe('a shipment under a versioned profile', () => {
  it('stores the normalised profile beside its summary', async () => {
    const created = (await peer.ok(OWNER, 'CreateShipment', shipment())) as Record<string, unknown>;
    expect(created.profileSpec).toEqual(spec);
    expect(created.profile).toEqual({
      id: 'test-2-8C',
      lowerC: 2,
      upperC: 8,
      delayMinutes: 0,
      samplePeriodSeconds: 60,
    });
  });

  it('refuses a summary that is not the profile’s, and an invalid profile', async () => {
    const wrong = { ...profileSummary(spec), upperC: 25 };
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ profile: wrong }))).toMatch(
      /profile must be the summary of profileSpec/,
    );
    const bad = { ...spec, zones: [] };
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ profileSpec: bad }))).toMatch(
      /profileSpec: [\s\S]*zones: needs at least one zone/,
    );
    expect(await peer.ok(OWNER, 'GetShipment', SSCC)).toBeNull();
  });

  it('records two sensors’ excursions that start at the same instant as two entries', async () => {
    await peer.ok(OWNER, 'CreateShipment', shipment());
    await peer.ok(OWNER, 'RecordExcursion', excursion({ sensor: 'probe-a' }));
    await peer.ok(OWNER, 'RecordExcursion', excursion({ sensor: 'probe-b', maxValue: 12 }));
    const view = (await peer.ok(OWNER, 'QueryProvenance', SSCC)) as { excursions: { id: string }[] };
    expect(view.excursions.map((e) => e.id).sort()).toEqual([
      `${SSCC}:probe-a:high:single-event:${START_MS}`,
      `${SSCC}:probe-b:high:single-event:${START_MS}`,
    ]);
  });

  it('lets a running excursion grow, but not change what describes it', async () => {
    await peer.ok(OWNER, 'CreateShipment', shipment());
    await peer.ok(OWNER, 'RecordExcursion', excursion());
    await peer.ok(
      OWNER,
      'RecordExcursion',
      excursion({ end: '2025-03-01T12:00:00.000Z', durationMs: 7_200_000, maxValue: 10 }),
    );
    expect(
      await peer.refused(
        OWNER,
        'RecordExcursion',
        excursion({
          end: '2025-03-01T12:30:00.000Z',
          durationMs: 9_000_000,
          maxValue: 10,
          triggeredAt: START,
        }),
      ),
    ).toMatch(/may only grow/);
  });

  it('refuses excursions the profile cannot produce', async () => {
    await peer.ok(OWNER, 'CreateShipment', shipment());
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ zone: 'nowhere' }, /has no zone nowhere/],
      [{ limit: 9, maxValue: 9.4 }, /zone high .* is temperature above 8/],
      [{ inclusive: true }, /zone high .* is temperature above 8/],
      [{ measure: 'humidity' }, /zone high .* is temperature above 8/],
      [{ rule: 'cumulative', triggeredAt: '2025-03-01T11:00:00.000Z' }, /has no cumulative alarm/],
      [{ id: `${SSCC}:single-event:above:${START_MS}` }, /id must be/],
      [{ durationMs: 60_000 }, /durationMs must equal end - start/],
      [{ triggeredAt: '2025-03-01T12:00:00.000Z' }, /triggeredAt must lie between start and end/],
      [{ maxValue: 8 }, /maxValue must lie above the limit/],
    ];
    for (const [over, message] of cases) {
      expect(await peer.refused(OWNER, 'RecordExcursion', excursion(over)), JSON.stringify(over)).toMatch(
        message,
      );
    }
    const legacy = JSON.stringify({
      sscc: SSCC,
      id: `${SSCC}:single-event:above:${START_MS}`,
      rule: 'single-event',
      direction: 'above',
      limit: 8,
      start: START,
      end: '2025-03-01T11:00:00.000Z',
      durationMs: 3_600_000,
      maxValue: 9.4,
    });
    expect(await peer.refused(OWNER, 'RecordExcursion', legacy)).toMatch(/names its sensor and zone/);
    const view = (await peer.ok(OWNER, 'QueryProvenance', SSCC)) as { excursions: unknown[] };
    expect(view.excursions).toEqual([]);
  });

  it('accepts an inclusive humidity zone’s cumulative excursion at the limit itself', async () => {
    await peer.ok(OWNER, 'CreateShipment', shipment());
    await peer.ok(
      OWNER,
      'RecordExcursion',
      excursion({
        rule: 'cumulative',
        zone: 'humid',
        measure: 'humidity',
        limit: 75,
        inclusive: true,
        maxValue: 75,
        durationMs: 3_000_000, // 50 of the 60 minutes between start and end were beyond
        triggeredAt: '2025-03-01T11:00:00.000Z',
      }),
    );
  });

  it('refuses profile excursions on a shipment created before profiles', async () => {
    const { profileSpec, ...legacyShipment } = JSON.parse(shipment()) as Record<string, unknown>;
    expect(profileSpec).toBeDefined();
    await peer.ok(
      OWNER,
      'CreateShipment',
      JSON.stringify({
        ...legacyShipment,
        profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
      }),
    );
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion())).toMatch(/has no versioned profile/);
  });
});
