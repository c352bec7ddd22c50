import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryPeer } from './test-harness.js';

// The contract rules that keep a shipment's answer honest (issue 5): one open shipment per device, no two
// shipments on the same readings, a completion that carries and fixes the excursion set, time order.
const OWNER = 'ColdtrailOrgMSP';
const KEY = 'a'.repeat(64);
const SSCC = '037612345000000014';
const SSCC2 = '037612345000000021';
const SSCC3 = '037612345000000038';

const shipment = (sscc: string, fromSeq: number, device = 'probe-1') =>
  JSON.stringify({
    sscc,
    device,
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq,
  });
const anchor = (fromSeq: number, toSeq: number) =>
  JSON.stringify({ device: 'probe-1', fromSeq, toSeq, root: '1'.repeat(64), count: toSeq - fromSeq + 1 });
const START = '2025-03-01T10:00:00.000Z';
const excursion = (end: string, maxValue: number, sscc = SSCC, start = START) => ({
  sscc,
  id: `${sscc}:single-event:above:${Date.parse(start)}`,
  rule: 'single-event',
  direction: 'above',
  limit: 8,
  start,
  end,
  durationMs: Date.parse(end) - Date.parse(start),
  maxValue,
});
const closing = (excursions: object[] = [], reason: string | null = null) =>
  JSON.stringify({ excursions, reason });

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
  await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
  await peer.ok(OWNER, 'CreateShipment', shipment(SSCC, 1));
});

describe('one shipment at a time per device', () => {
  it('refuses a second open shipment on the device, naming the open one', async () => {
    expect(await peer.refused(OWNER, 'CreateShipment', shipment(SSCC2, 11))).toMatch(
      /^CONFLICT: device probe-1 still carries shipment 037612345000000014, which is in transit/,
    );
    expect(await peer.ok(OWNER, 'OpenShipment', 'probe-1')).toMatchObject({ sscc: SSCC });
    expect(await peer.ok(OWNER, 'OpenShipment', 'probe-2')).toBeNull();
  });

  it('lets the next shipment start only after the previous one ended', async () => {
    await peer.ok(OWNER, 'AnchorReadings', anchor(1, 10));
    await peer.ok(OWNER, 'CompleteShipment', SSCC, '10', closing());
    expect(await peer.ok(OWNER, 'OpenShipment', 'probe-1')).toBeNull();
    expect(await peer.refused(OWNER, 'CreateShipment', shipment(SSCC2, 10))).toMatch(
      /^CONFLICT: fromSeq 10 overlaps shipment 037612345000000014 of probe-1, which ended at #10: start at #11/,
    );
    const second = await peer.ok(OWNER, 'CreateShipment', shipment(SSCC2, 11));
    expect(second).toMatchObject({ ordinal: 2, fromSeq: 11 });
    // Each shipment's answer names its neighbours on the device: what bounds its range of readings.
    const first = (await peer.ok(OWNER, 'QueryProvenance', SSCC)) as Record<string, unknown>;
    expect(first.previous).toBeNull();
    expect(first.next).toMatchObject({ sscc: SSCC2, fromSeq: 11 });
    const view = (await peer.ok(OWNER, 'QueryProvenance', SSCC2)) as Record<string, unknown>;
    expect(view.previous).toMatchObject({ sscc: SSCC, toSeq: 10 });
    expect(view.next).toBeNull();
  });

  it('closes a shipment that got no readings at fromSeq - 1, and records why', async () => {
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '0', closing([], ''))).toMatch(/reason/);
    const done = await peer.ok(OWNER, 'CompleteShipment', SSCC, '0', closing([], 'agent never connected'));
    expect(done).toMatchObject({ status: 'completed', toSeq: 0 });
    const view = (await peer.ok(OWNER, 'QueryProvenance', SSCC)) as { custody: unknown[] };
    expect(view.custody).toMatchObject([
      { action: 'created' },
      { action: 'completed', reason: 'agent never connected' },
    ]);
    await peer.ok(OWNER, 'CreateShipment', shipment(SSCC2, 1));
    expect(await peer.refused(OWNER, 'CreateShipment', shipment(SSCC3, 5))).toMatch(/still carries/);
  });

  it('refuses a toSeq below fromSeq - 1', async () => {
    await peer.ok(OWNER, 'AnchorReadings', anchor(1, 10));
    await peer.ok(OWNER, 'CompleteShipment', SSCC, '10', closing());
    await peer.ok(OWNER, 'CreateShipment', shipment(SSCC2, 11));
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC2, '9', closing())).toMatch(
      /toSeq 9 is below the shipment's fromSeq 11 \(10 closes it without readings\)/,
    );
  });
});

describe('the completion fixes the excursion set', () => {
  beforeEach(async () => {
    await peer.ok(OWNER, 'AnchorReadings', anchor(1, 100));
  });

  it('records the excursions it carries in the same transaction', async () => {
    const e = excursion('2025-03-01T11:00:00.000Z', 10.6);
    const done = await peer.invoke(OWNER, 'CompleteShipment', SSCC, '100', closing([e]));
    expect(done.status).toBe(200);
    const recordedAt = new Date(peer.time).toISOString();
    const view = (await peer.ok(OWNER, 'QueryProvenance', SSCC)) as { excursions: unknown[] };
    expect(view.excursions).toEqual([{ ...e, recordedAt, txId: done.txId }]);
  });

  it('refuses a completion that drops an excursion recorded in transit', async () => {
    await peer.ok(OWNER, 'RecordExcursion', JSON.stringify(excursion('2025-03-01T10:30:00.000Z', 9.1)));
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '100', closing())).toMatch(
      /^CONFLICT: excursion 037612345000000014:single-event:above:\d+ is recorded for 037612345000000014 but missing from the completion's excursion set/,
    );
    expect(await peer.ok(OWNER, 'GetShipment', SSCC)).toMatchObject({ status: 'in-transit' });
  });

  it('lets a running excursion grow while in transit and at completion, never shrink', async () => {
    const early = excursion('2025-03-01T10:30:00.000Z', 9.1);
    await peer.ok(OWNER, 'RecordExcursion', JSON.stringify(early));
    const grown = excursion('2025-03-01T10:45:00.000Z', 10.2);
    expect((await peer.invoke(OWNER, 'RecordExcursion', JSON.stringify(grown))).event?.name).toBe(
      'ExcursionRecorded',
    );
    expect(
      await peer.refused(
        OWNER,
        'RecordExcursion',
        JSON.stringify(excursion('2025-03-01T10:40:00.000Z', 10.2)),
      ),
    ).toMatch(/^CONFLICT: .*a running excursion may only grow/);
    expect(
      await peer.refused(
        OWNER,
        'RecordExcursion',
        JSON.stringify(excursion('2025-03-01T10:50:00.000Z', 9.5)),
      ),
    ).toMatch(/may only grow/);
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '100', closing([early]))).toMatch(
      /may only grow/,
    );
    const final = excursion('2025-03-01T11:00:00.000Z', 10.6);
    await peer.ok(OWNER, 'CompleteShipment', SSCC, '100', closing([final]));
    const view = (await peer.ok(OWNER, 'QueryProvenance', SSCC)) as { excursions: unknown[] };
    expect(view.excursions).toMatchObject([final]);
  });

  it('checks every excursion of the set', async () => {
    const e = excursion('2025-03-01T11:00:00.000Z', 10.6);
    const refused = (c: string) => peer.refused(OWNER, 'CompleteShipment', SSCC, '100', c);
    expect(await refused(closing([e, e]))).toMatch(/listed twice/);
    expect(await refused(closing([excursion('2025-03-01T11:00:00.000Z', 10.6, SSCC2)]))).toMatch(
      /belongs to shipment 037612345000000021/,
    );
    expect(await refused(closing([{ ...e, maxValue: 7 }]))).toMatch(/maxValue must lie above the limit/);
    expect(await refused(closing([{ ...e, durationMs: 1 }]))).toMatch(/durationMs must equal/);
    expect(await refused(JSON.stringify({ excursions: {}, reason: null }))).toMatch(/must be an array/);
    expect(await refused(JSON.stringify({ excursions: [] }))).toMatch(/lacks field\(s\): reason/);
    expect(await refused('nope')).toMatch(/closing must be a JSON object/);
  });

  it('refuses a completion dated before the shipment was created', async () => {
    peer.time -= 3_600_000;
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '100', closing())).toMatch(
      /^INVALID_INPUT: the completion time .* is before the shipment's creation/,
    );
  });
});
