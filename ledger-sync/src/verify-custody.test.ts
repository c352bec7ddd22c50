import { describe, expect, it } from 'vitest';
import type { CustodyEvent, DeviceEntry, ShipmentEntry } from './ledger-types.js';
import { verifyCustody } from './verify-custody.js';

const SSCC = '106141411234567897';
const device: DeviceEntry = {
  id: 'dev-1',
  org: 'OrgMSP',
  publicKey: 'ab'.repeat(32),
  registeredAt: '2026-01-01T00:00:00.000Z',
};
const shipment: ShipmentEntry = {
  sscc: SSCC,
  device: 'dev-1',
  custodian: 'OrgMSP',
  origin: 'A',
  destination: 'B',
  product: 'P',
  profile: { id: 'p', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
  fromSeq: 1,
  toSeq: 10,
  status: 'completed',
  createdAt: '2026-01-02T00:00:00.000Z',
  completedAt: '2026-01-02T12:00:00.000Z',
};
const ev = (action: CustodyEvent['action'], at: string): CustodyEvent => ({
  sscc: SSCC,
  action,
  org: 'OrgMSP',
  at,
  txId: `tx-${action}`,
});
const created = ev('created', shipment.createdAt);
const completed = ev('completed', shipment.completedAt as string);

describe('custody check', () => {
  it('accepts hand-over steps after the completion, but not a creation after it', () => {
    const offered = { ...ev('offered', '2026-01-02T13:00:00.000Z'), to: 'PharmacyMSP' };
    const accepted = { ...ev('accepted', '2026-01-02T14:00:00.000Z'), org: 'PharmacyMSP' };
    expect(verifyCustody(shipment, device, [created, completed, offered, accepted])).toMatchObject({
      ok: true,
    });
    const late = ev('created', '2026-01-02T15:00:00.000Z');
    expect(verifyCustody(shipment, device, [created, completed, offered, late])).toMatchObject({ ok: false });
  });

  it('passes created then completed, in time order', () => {
    expect(verifyCustody(shipment, device, [created, completed])).toMatchObject({ ok: true });
    const open = { ...shipment, status: 'in-transit' as const, toSeq: null, completedAt: null };
    expect(verifyCustody(open, device, [created])).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/in transit$/),
    });
  });

  it('fails a completion dated before the creation', () => {
    const early = '2026-01-01T12:00:00.000Z';
    const r = verifyCustody({ ...shipment, completedAt: early }, device, [ev('completed', early), created]);
    expect(r.ok).toBe(false);
    expect(r.problems?.join('\n')).toMatch(/completed at 2026-01-01T12:00:00.000Z, before it was created/);
    expect(r.problems?.join('\n')).toMatch(/must start with exactly one "created" event/);
  });

  it('fails events out of order, a missing or a surplus event, and a shipment older than its device', () => {
    expect(verifyCustody(shipment, device, [created]).problems).toEqual([
      'a completed shipment must end with exactly one "completed" event (found 0)',
    ]);
    const open = { ...shipment, status: 'in-transit' as const, toSeq: null, completedAt: null };
    expect(verifyCustody(open, device, [created, completed]).problems).toEqual([
      'the shipment is in transit, yet its custody chain has a "completed" event',
    ]);
    const later = { ...device, registeredAt: '2026-01-03T00:00:00.000Z' };
    expect(verifyCustody(shipment, later, [created, completed]).problems?.[0]).toMatch(
      /before its device dev-1 was registered/,
    );
    const swapped = [created, { ...completed, at: '2026-01-01T23:00:00.000Z' }];
    expect(verifyCustody(shipment, device, swapped).problems?.join('\n')).toMatch(/out of time order/);
  });
});
