import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryPeer } from './test-harness.js';

// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const OWNER = 'ColdtrailOrgMSP';
const OTHER = 'CarrierOrgMSP';
const SSCC = '037612345000000014';
const SSCC2 = '037612345000000021';
const KEY = 'a'.repeat(64);
const ROOT1 = '1'.repeat(64);
const ROOT2 = '2'.repeat(64);

const shipment = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    sscc: SSCC,
    device: 'probe-1',
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq: 1,
    ...over,
  });
const anchor = (fromSeq: number, toSeq: number, root = ROOT1, device = 'probe-1') =>
  JSON.stringify({ device, fromSeq, toSeq, root, count: toSeq - fromSeq + 1 });
const excursion = (over: Record<string, unknown> = {}) => {
  const start = '2025-03-01T10:00:00.000Z';
  return JSON.stringify({
    sscc: SSCC,
    id: `${SSCC}:single-event:above:${Date.parse(start)}`,
    rule: 'single-event',
    direction: 'above',
    limit: 8,
    start,
    end: '2025-03-01T11:00:00.000Z',
    durationMs: 3_600_000,
    maxValue: 9.4,
    ...over,
  });
};

const closing = (excursions: string[] = [], reason: string | null = null) =>
  JSON.stringify({ excursions: excursions.map((e) => JSON.parse(e)), reason });

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
});

async function withShipment(): Promise<void> {
  await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
  await peer.ok(OWNER, 'CreateShipment', shipment());
}

describe('devices', () => {
  it('registers a device owned by the calling org, with the transaction time', async () => {
    const r = await peer.invoke(OWNER, 'RegisterDevice', 'probe-1', KEY);
    expect(r.status).toBe(200);
    expect(r.value).toEqual({
      id: 'probe-1',
      org: OWNER,
      publicKey: KEY,
      registeredAt: '2025-03-01T08:00:01.000Z',
    });
    expect(r.event?.name).toBe('DeviceRegistered');
    expect(await peer.ok(OTHER, 'GetDevice', 'probe-1')).toEqual(r.value);
    expect(await peer.ok(OWNER, 'GetDevice', 'probe-2')).toBeNull();
  });

  it('stores JSON with sorted keys', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    const [stored] = [...peer.state.values()].map((b) => b.toString());
    expect(stored).toBe(
      `{"id":"probe-1","org":"${OWNER}","publicKey":"${KEY}","registeredAt":"2025-03-01T08:00:01.000Z"}`,
    );
  });

  it('is idempotent with the same key and refuses another key or another org', async () => {
    const first = await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    const again = await peer.invoke(OWNER, 'RegisterDevice', 'probe-1', KEY);
    expect(again.value).toEqual(first);
    expect(again.writes).toEqual([]);
    expect(again.event).toBeUndefined();
    expect(await peer.refused(OWNER, 'RegisterDevice', 'probe-1', 'b'.repeat(64))).toMatch(
      /^CONFLICT: .*different public key/,
    );
    expect(await peer.refused(OTHER, 'RegisterDevice', 'probe-1', KEY)).toMatch(/^CONFLICT: .*registered by/);
  });

  it('validates identifiers and keys', async () => {
    expect(await peer.refused(OWNER, 'RegisterDevice', 'bad/id', KEY)).toMatch(/^INVALID_INPUT: device id/);
    expect(await peer.refused(OWNER, 'RegisterDevice', 'probe-1', KEY.toUpperCase())).toMatch(/publicKey/);
    expect(await peer.refused(OWNER, 'RegisterDevice', 'probe-1')).toMatch(/Expected 2 parameters/);
    expect(await peer.refused(OWNER, 'NoSuchThing')).toMatch(/does not exist/);
  });
});

describe('shipments', () => {
  it('creates a shipment with the creator as custodian and a custody event', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    const r = await peer.invoke(OWNER, 'CreateShipment', shipment());
    expect(r.value).toMatchObject({ sscc: SSCC, custodian: OWNER, status: 'in-transit', toSeq: null });
    expect(r.event?.name).toBe('ShipmentCreated');
    // The shipment, one custody key, the device's pointer to its newest shipment and one index entry: no list
    // rewritten per event.
    expect(r.writes).toHaveLength(4);
    expect(r.value).toMatchObject({ ordinal: 1 });
    expect(await peer.ok(OTHER, 'ListShipments')).toEqual([r.value]);
  });

  it("refuses a shipment on another org's device", async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    expect(await peer.refused(OTHER, 'CreateShipment', shipment())).toMatch(
      /^FORBIDDEN: device probe-1 is owned by ColdtrailOrgMSP/,
    );
    expect(await peer.ok(OWNER, 'ListShipments')).toEqual([]);
    await peer.ok(OTHER, 'RegisterDevice', 'probe-2', KEY);
    const own = await peer.ok(OTHER, 'CreateShipment', shipment({ sscc: SSCC2, device: 'probe-2' }));
    expect(own).toMatchObject({ custodian: OTHER, device: 'probe-2' });
  });

  it('validates SSCC, fields and the device', async () => {
    expect(await peer.refused(OWNER, 'CreateShipment', shipment())).toMatch(/^NOT_FOUND: device probe-1/);
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ sscc: '037612345000000015' }))).toMatch(
      /check digit/,
    );
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ sscc: '12345' }))).toMatch(/18 digits/);
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ extra: 1 }))).toMatch(/unknown field/);
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ fromSeq: 0 }))).toMatch(/fromSeq/);
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ fromSeq: '1' }))).toMatch(/fromSeq/);
    const badProfile = { id: 'p', lowerC: 8, upperC: 2, delayMinutes: 30, samplePeriodSeconds: 60 };
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ profile: badProfile }))).toMatch(/lowerC/);
    expect(await peer.refused(OWNER, 'CreateShipment', '{not json')).toMatch(/JSON object/);
  });

  it('is idempotent for the same shipment and refuses a different one under the same SSCC', async () => {
    await withShipment();
    const again = await peer.invoke(OWNER, 'CreateShipment', shipment());
    expect(again.status).toBe(200);
    expect(again.writes).toEqual([]);
    expect(await peer.refused(OWNER, 'CreateShipment', shipment({ product: 'Insulin' }))).toMatch(
      /^CONFLICT/,
    );
    expect(await peer.refused(OTHER, 'CreateShipment', shipment())).toMatch(/^CONFLICT/);
  });

  it('lets only the custodian complete, and only once its readings are anchored', async () => {
    await withShipment();
    expect(await peer.refused(OTHER, 'CompleteShipment', SSCC, '10', closing())).toMatch(
      /^FORBIDDEN: only the custodian/,
    );
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '10', closing())).toMatch(
      /anchored up to 0; anchor them/,
    );
    await peer.ok(OWNER, 'AnchorReadings', anchor(1, 10));
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '1e1', closing())).toMatch(/decimal integer/);
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '10')).toMatch(/Expected 3 parameters/);
    const done = await peer.invoke(OWNER, 'CompleteShipment', SSCC, '10', closing());
    const completedAt = new Date(peer.time).toISOString();
    expect(done.value).toMatchObject({ status: 'completed', toSeq: 10, completedAt });
    expect(done.event?.name).toBe('ShipmentCompleted');
    expect((await peer.invoke(OWNER, 'CompleteShipment', SSCC, '10', closing())).writes).toEqual([]);
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC, '9', closing())).toMatch(/already completed/);
    expect(await peer.refused(OWNER, 'CompleteShipment', SSCC2, '9', closing())).toMatch(/^NOT_FOUND/);
  });
});

describe('anchors', () => {
  it('accepts contiguous windows from the owner only', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    expect(await peer.refused(OTHER, 'AnchorReadings', anchor(1, 5))).toMatch(
      /^FORBIDDEN: only ColdtrailOrgMSP/,
    );
    expect(await peer.refused(OWNER, 'AnchorReadings', anchor(2, 5))).toMatch(/next starts at 1/);
    const a = await peer.invoke(OWNER, 'AnchorReadings', anchor(1, 5));
    expect(a.value).toMatchObject({ fromSeq: 1, toSeq: 5, count: 5, root: ROOT1, txId: a.txId });
    expect(a.event?.name).toBe('ReadingsAnchored');
    expect(await peer.refused(OWNER, 'AnchorReadings', anchor(7, 9))).toMatch(/anchored up to 5/);
    expect(await peer.refused(OWNER, 'AnchorReadings', anchor(4, 9))).toMatch(/contiguous/);
    await peer.ok(OWNER, 'AnchorReadings', anchor(6, 9, ROOT2));
    expect(await peer.ok(OTHER, 'AnchoredUpTo', 'probe-1')).toBe(9);
    expect(await peer.ok(OTHER, 'AnchoredUpTo', 'probe-9')).toBe(0);
    expect(await peer.ok(OTHER, 'GetAnchors', 'probe-1', '5', '6')).toHaveLength(2);
    expect(await peer.ok(OTHER, 'GetAnchors', 'probe-1', '6', '100')).toMatchObject([{ fromSeq: 6 }]);
  });

  it('orders anchors numerically (zero-padded keys) past 9 windows', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    for (let i = 0; i < 12; i++) await peer.ok(OWNER, 'AnchorReadings', anchor(i * 10 + 1, i * 10 + 10));
    const all = (await peer.ok(OWNER, 'GetAnchors', 'probe-1', '1', '1000')) as { fromSeq: number }[];
    expect(all.map((a) => a.fromSeq)).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 101, 111]);
  });

  it('is idempotent for the same window and refuses another root', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    const first = await peer.ok(OWNER, 'AnchorReadings', anchor(1, 5));
    const again = await peer.invoke(OWNER, 'AnchorReadings', anchor(1, 5));
    expect(again.value).toEqual(first);
    expect(again.writes).toEqual([]);
    expect(await peer.refused(OWNER, 'AnchorReadings', anchor(1, 5, ROOT2))).toMatch(/another root/);
  });

  it('validates the window', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
    const bad = (o: object) => peer.refused(OWNER, 'AnchorReadings', JSON.stringify(o));
    const base = { device: 'probe-1', fromSeq: 1, toSeq: 5, root: ROOT1, count: 5 };
    expect(await bad({ ...base, count: 4 })).toMatch(/count must be/);
    expect(await bad({ ...base, toSeq: 0, count: 0 })).toMatch(/toSeq/);
    expect(await bad({ ...base, root: 'xyz' })).toMatch(/root/);
    expect(await bad({ ...base, fromSeq: 1.5 })).toMatch(/fromSeq/);
    expect(await bad({ ...base, device: 'probe-2' })).toMatch(/^NOT_FOUND/);
    expect(await peer.refused(OWNER, 'GetAnchors', 'probe-1', '5', '1')).toMatch(/below/);
  });
});

describe('excursions and provenance', () => {
  it('records an excursion once, by the custodian, with the deterministic id', async () => {
    await withShipment();
    expect(await peer.refused(OTHER, 'RecordExcursion', excursion())).toMatch(/^FORBIDDEN/);
    const r = await peer.invoke(OWNER, 'RecordExcursion', excursion());
    expect(r.value).toMatchObject({
      id: `${SSCC}:single-event:above:${Date.parse('2025-03-01T10:00:00.000Z')}`,
    });
    expect(r.event?.name).toBe('ExcursionRecorded');
    expect((await peer.invoke(OWNER, 'RecordExcursion', excursion())).writes).toEqual([]);
    // In transit a running excursion may grow (custody-rules.test.ts); a milder one contradicts the ledger.
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion({ maxValue: 9 }))).toMatch(/^CONFLICT/);
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion({ id: 'x' }))).toMatch(/id must be/);
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion({ durationMs: 5 }))).toMatch(/durationMs/);
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion({ start: '2025-03-01 10:00' }))).toMatch(
      /start must be/,
    );
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion({ rule: 'mkt' }))).toMatch(/rule/);
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion({ sscc: SSCC2 }))).toMatch(/id must be/);
  });

  it('refuses new excursions once the shipment is completed, but still answers an identical retry', async () => {
    await withShipment();
    await peer.ok(OWNER, 'AnchorReadings', anchor(1, 8));
    const first = await peer.ok(OWNER, 'RecordExcursion', excursion());
    await peer.ok(OWNER, 'CompleteShipment', SSCC, '8', closing([excursion()]));
    const retry = await peer.invoke(OWNER, 'RecordExcursion', excursion());
    expect(retry.status).toBe(200);
    expect(retry.value).toEqual(first);
    expect(retry.writes).toEqual([]);
    const later = {
      id: `${SSCC}:single-event:below:${Date.parse('2025-03-01T12:00:00.000Z')}`,
      direction: 'below',
      limit: 2,
      start: '2025-03-01T12:00:00.000Z',
      end: '2025-03-01T12:30:00.000Z',
      durationMs: 1_800_000,
      maxValue: 1.1,
    };
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion(later))).toMatch(
      /^CONFLICT: shipment 037612345000000014 is completed; no new excursions/,
    );
    expect(await peer.refused(OWNER, 'RecordExcursion', excursion({ maxValue: 10 }))).toMatch(
      /already recorded with other details/,
    );
    expect(await peer.ok(OTHER, 'QueryProvenance', SSCC)).toMatchObject({ excursions: [first] });
  });

  it('answers provenance with custody, overlapping anchors and excursions', async () => {
    await withShipment();
    await peer.ok(OWNER, 'AnchorReadings', anchor(1, 4));
    await peer.ok(OWNER, 'AnchorReadings', anchor(5, 8));
    await peer.ok(OWNER, 'RecordExcursion', excursion());
    await peer.ok(OWNER, 'CompleteShipment', SSCC, '6', closing([excursion()]));
    const view = (await peer.ok(OTHER, 'QueryProvenance', SSCC)) as Record<string, unknown[]>;
    expect(view.shipment).toMatchObject({ status: 'completed', toSeq: 6 });
    expect(view.device).toMatchObject({ id: 'probe-1', org: OWNER });
    expect(view.custody).toMatchObject([{ action: 'created' }, { action: 'completed' }]);
    expect(view.anchors).toHaveLength(2);
    expect(view.excursions).toHaveLength(1);
    expect(view.previous).toBeNull();
    expect(view.next).toBeNull();
    expect(await peer.ok(OTHER, 'QueryProvenance', SSCC2)).toBeNull();
  });
});
