import { describe, expect, it } from 'vitest';
import {
  at,
  CARRIER,
  carrierPeer,
  DC,
  DC_GLN,
  OWNER,
  offer,
  PALLET,
  PHARMACY,
  SHOP,
} from './custody.test-kit.js';

// The two-step custody hand-over (issue 8): only the custodian offers, only the named receiver accepts or
// rejects, the offerer may withdraw, one open offer at a time, each step its own custody key.
const SSCC_UNKNOWN = '076123450000000091';

describe('custody hand-over', () => {
  it('moves custody on accept, with one custody key per step and the full trail', async () => {
    const peer = await carrierPeer();
    const o = await peer.invoke(
      CARRIER,
      'OfferCustody',
      PALLET,
      offer(PHARMACY, SHOP, { eventTime: '2025-03-01T08:00:01.500Z' }),
    );
    expect(o.status).toBe(200);
    expect(o.value).toMatchObject({
      from: CARRIER,
      to: PHARMACY,
      location: SHOP,
      eventTime: '2025-03-01T08:00:01.500Z',
    });
    expect(o.event?.name).toBe('CustodyOffered');
    expect((await peer.ok(CARRIER, 'GetShipment', PALLET)) as object).toMatchObject({ custodian: CARRIER });
    const a = await peer.invoke(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    expect(a.status).toBe(200);
    expect(a.event?.name).toBe('CustodyAccepted');
    expect(a.writes.filter((k) => k.startsWith('\u0000custody\u0000'))).toHaveLength(1);
    expect(await peer.ok(OWNER, 'GetShipment', PALLET)).toMatchObject({ custodian: PHARMACY });
    const trail = (await peer.ok(OWNER, 'GetCustody', PALLET)) as {
      custodian: string;
      openOffer: unknown;
      events: object[];
    };
    expect(trail.custodian).toBe(PHARMACY);
    expect(trail.openOffer).toBeNull();
    expect(trail.events).toMatchObject([
      { action: 'created', org: CARRIER },
      { action: 'offered', org: CARRIER, to: PHARMACY, location: SHOP },
      { action: 'accepted', org: PHARMACY, from: CARRIER, location: SHOP, eventTime: null },
    ]);
    // The new custodian can hand it on; the old one no longer can.
    expect(await peer.refused(CARRIER, 'OfferCustody', PALLET, offer(OWNER))).toMatch(
      /^FORBIDDEN: CarrierMSP is not the custodian/,
    );
    await peer.ok(PHARMACY, 'OfferCustody', PALLET, offer(OWNER));
    // QueryProvenance's custody trail carries the hand-over steps too.
    const view = (await peer.ok(OWNER, 'QueryProvenance', PALLET)) as { custody: { action: string }[] };
    expect(view.custody.map((c) => c.action)).toEqual(['created', 'offered', 'accepted', 'offered']);
  });

  it('refuses an offer from anyone but the custodian, and an offer to oneself', async () => {
    const peer = await carrierPeer();
    expect(await peer.refused(PHARMACY, 'OfferCustody', PALLET, offer(PHARMACY))).toMatch(
      /^FORBIDDEN: PharmacyMSP is not the custodian of shipment 076123450000000046 \(CarrierMSP is\)/,
    );
    expect(await peer.refused(CARRIER, 'OfferCustody', PALLET, offer(CARRIER))).toMatch(
      /^INVALID_INPUT: offer.to names CarrierMSP itself/,
    );
    expect(await peer.refused(CARRIER, 'OfferCustody', SSCC_UNKNOWN, offer(PHARMACY))).toMatch(/^NOT_FOUND/);
  });

  it('a carrier cannot accept its own offer; only the named receiver accepts or rejects', async () => {
    const peer = await carrierPeer();
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY));
    expect(await peer.refused(CARRIER, 'AcceptCustody', PALLET, at(DC))).toMatch(
      /^FORBIDDEN: the open offer of shipment 076123450000000046 names PharmacyMSP; only PharmacyMSP may accept it/,
    );
    expect(await peer.refused(OWNER, 'AcceptCustody', PALLET, at(DC))).toMatch(/^FORBIDDEN/);
    expect(
      await peer.refused(OWNER, 'RejectCustody', PALLET, JSON.stringify({ location: DC, reason: 'no' })),
    ).toMatch(/^FORBIDDEN/);
    expect(await peer.ok(OWNER, 'GetShipment', PALLET)).toMatchObject({ custodian: CARRIER });
  });

  it('records a rejection with its reason; the carrier keeps custody and may offer again', async () => {
    const peer = await carrierPeer();
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY));
    expect(
      await peer.refused(PHARMACY, 'RejectCustody', PALLET, JSON.stringify({ location: SHOP, reason: '' })),
    ).toMatch(/^INVALID_INPUT: reject.reason must be 1-200 characters/);
    expect(await peer.refused(PHARMACY, 'RejectCustody', PALLET, JSON.stringify({ location: SHOP }))).toMatch(
      /lacks field\(s\): reason/,
    );
    const r = await peer.ok(
      PHARMACY,
      'RejectCustody',
      PALLET,
      JSON.stringify({ location: SHOP, reason: 'seal broken' }),
    );
    expect(r).toMatchObject({
      action: 'rejected',
      org: PHARMACY,
      from: CARRIER,
      reason: 'seal broken',
      location: SHOP,
    });
    // Answered: neither a second answer nor an accept after the rejection.
    expect(await peer.refused(PHARMACY, 'AcceptCustody', PALLET, at(SHOP))).toMatch(
      /^CONFLICT: shipment 076123450000000046 has no open custody offer/,
    );
    expect(await peer.ok(OWNER, 'GetShipment', PALLET)).toMatchObject({ custodian: CARRIER });
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY));
  });

  it('allows one open offer at a time, withdrawn only by the offerer before it is answered', async () => {
    const peer = await carrierPeer();
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY));
    expect(await peer.refused(CARRIER, 'OfferCustody', PALLET, offer(OWNER))).toMatch(
      /^CONFLICT: shipment 076123450000000046 already has an open offer to PharmacyMSP/,
    );
    expect(await peer.refused(PHARMACY, 'WithdrawOffer', PALLET, '{}')).toMatch(
      /^FORBIDDEN: the open offer .* was made by CarrierMSP/,
    );
    const w = await peer.ok(CARRIER, 'WithdrawOffer', PALLET, JSON.stringify({ reason: 'wrong truck' }));
    expect(w).toMatchObject({ action: 'withdrawn', org: CARRIER, to: PHARMACY, reason: 'wrong truck' });
    expect(await peer.refused(CARRIER, 'WithdrawOffer', PALLET, '{}')).toMatch(
      /^CONFLICT: .*no open custody offer/,
    );
    expect(await peer.refused(PHARMACY, 'AcceptCustody', PALLET, at(SHOP))).toMatch(/^CONFLICT/);
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(OWNER));
    await peer.ok(OWNER, 'AcceptCustody', PALLET, at(DC_GLN));
    const trail = (await peer.ok(OWNER, 'GetCustody', PALLET)) as { events: { action: string }[] };
    expect(trail.events.map((e) => e.action)).toEqual([
      'created',
      'offered',
      'withdrawn',
      'offered',
      'accepted',
    ]);
  });

  it('hands over a completed shipment too (goods change hands after the monitored leg)', async () => {
    const peer = await carrierPeer();
    await peer.ok(
      CARRIER,
      'CompleteShipment',
      PALLET,
      '0',
      JSON.stringify({ excursions: [], reason: 'no readings in test' }),
    );
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY));
    await peer.ok(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    expect(await peer.ok(OWNER, 'GetShipment', PALLET)).toMatchObject({
      status: 'completed',
      custodian: PHARMACY,
    });
  });

  it('checks SGLNs and declared event times', async () => {
    const peer = await carrierPeer();
    for (const bad of [
      'urn:epc:id:sgln:7612345.0001.0',
      'urn:epc:id:sgln:7612345.00010.',
      '7612345000108',
      'Basel',
    ]) {
      expect(await peer.refused(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY, bad))).toMatch(
        /^INVALID_INPUT: offer.location/,
      );
    }
    expect(await peer.refused(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY, '7612345000108'))).toMatch(
      /the last digit must be 7/,
    );
    expect(
      await peer.refused(
        CARRIER,
        'OfferCustody',
        PALLET,
        offer(PHARMACY, DC, { eventTime: '2030-01-01T00:00:00.000Z' }),
      ),
    ).toMatch(/^INVALID_INPUT: offer.eventTime .* is after the transaction time/);
    expect(await peer.refused(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY, DC, { extra: 1 }))).toMatch(
      /unknown field\(s\): extra/,
    );
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY, 'urn:epc:id:sgln:7612345.00010.dock-3'));
  });
});
