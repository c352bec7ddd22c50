import { describe, expect, it } from 'vitest';
import {
  at,
  CARRIER,
  CASE1,
  CASE2,
  carrierPeer,
  DC,
  GTIN,
  GTIN2,
  GTIN13,
  INNER,
  lotLine,
  OWNER,
  offer,
  PALLET,
  PALLET2,
  PHARMACY,
  SHOP,
  shipment,
} from './custody.test-kit.js';
import { MemoryPeer } from './test-harness.js';

// Shipment contents (SGTINs and lot lines, GS1-checked) and aggregation pallet -> case -> pack (issue 8).
const pack = (serial: string, gtin = GTIN) => ({ gtin, serial });
const agg = (children: object[], location = DC) => JSON.stringify({ children, location });

async function peerWithDevice(): Promise<MemoryPeer> {
  const peer = await MemoryPeer.create();
  await peer.ok(CARRIER, 'RegisterDevice', 'truck-1', 'a'.repeat(64));
  return peer;
}

describe('shipment contents', () => {
  it('stores SGTINs and lot lines (GTIN-13 padded to 14) and indexes each by item', async () => {
    const peer = await peerWithDevice();
    const r = await peer.invoke(
      CARRIER,
      'CreateShipment',
      shipment(PALLET, 'truck-1', [pack('SN-001', GTIN13), lotLine('L-24A', 100)]),
    );
    expect(r.status).toBe(200);
    expect((r.value as { contents: unknown }).contents).toEqual([pack('SN-001'), lotLine('L-24A', 100)]);
    expect(r.writes).toContain(`\u0000sgtin\u0000${GTIN}\u0000SN-001\u0000${PALLET}\u0000`);
    expect(r.writes).toContain(`\u0000lot\u0000${GTIN}\u0000L-24A\u0000${PALLET}\u0000`);
    // A retry with the same contents answers the stored entry; other contents are a conflict.
    expect(
      await peer.ok(
        CARRIER,
        'CreateShipment',
        shipment(PALLET, 'truck-1', [pack('SN-001'), lotLine('L-24A', 100)]),
      ),
    ).toEqual(r.value);
    expect(
      await peer.refused(CARRIER, 'CreateShipment', shipment(PALLET, 'truck-1', [lotLine('L-24A', 99)])),
    ).toMatch(/^CONFLICT/);
  });

  it('keeps shipments without contents unchanged (no contents field stored)', async () => {
    const peer = await peerWithDevice();
    const s = (await peer.ok(CARRIER, 'CreateShipment', shipment(PALLET, 'truck-1'))) as object;
    expect(s).not.toHaveProperty('contents');
  });

  it.each([
    [
      [pack('SN-1', '07612345000016')],
      /contents\[0\].gtin 07612345000016 has a wrong GS1 check digit: the last digit must be 5/,
    ],
    [[pack('SN-1', '7612345000016')], /contents\[0\].gtin 7612345000016 has a wrong GS1 check digit/],
    [[pack('SN-1', '761234500001')], /contents\[0\].gtin 761234500001 has a wrong GS1 check digit/],
    [[pack('SN-1', '12345')], /contents\[0\].gtin must be a GTIN of 8, 12, 13 or 14 digits/],
    [[pack('S N')], /contents\[0\].serial must be 1-20 characters of the GS1 AI 21 character set 82/],
    [[pack('x'.repeat(21))], /contents\[0\].serial must be 1-20/],
    [[{ ...lotLine('L1', 5), lot: 'lot#1' }], /contents\[0\].lot must be 1-20 characters of the GS1 AI 10/],
    [
      [{ ...lotLine('L1', 5), expiry: '2027-02-30' }],
      /contents\[0\].expiry must be a calendar date YYYY-MM-DD/,
    ],
    [[{ ...lotLine('L1', 5), expiry: '270630' }], /contents\[0\].expiry must be a calendar date/],
    [[lotLine('L1', 0)], /contents\[0\].quantity must be an integer >= 1/],
    [[lotLine('L1', 1.5)], /contents\[0\].quantity must be an integer >= 1/],
    [[{ gtin: GTIN, lot: 'L1' }], /contents\[0\] lacks field\(s\): expiry, quantity/],
    [[{ ...pack('SN-1'), colour: 'red' }], /contents\[0\] has unknown field\(s\): colour/],
    [[pack('SN-1'), pack('SN-1', GTIN13)], /contents\[1\]: sgtin 07612345000015\/SN-1 is listed twice/],
    [[], /contents must be a list of 1-1000 items/],
  ])('refuses bad contents %#', async (contents, message) => {
    const peer = await peerWithDevice();
    const text = await peer.refused(CARRIER, 'CreateShipment', shipment(PALLET, 'truck-1', contents));
    expect(text).toMatch(/^INVALID_INPUT: /);
    expect(text).toMatch(message);
  });
});

describe('aggregation', () => {
  it('packs packs into cases and cases onto the pallet, and unpacks them at a site', async () => {
    const peer = await carrierPeer();
    const e = await peer.invoke(
      CARRIER,
      'Aggregate',
      CASE1,
      agg([pack('SN-1'), pack('SN-2'), { gtin: GTIN2, lot: 'B7', quantity: 12 }]),
    );
    expect(e.status).toBe(200);
    expect(e.event?.name).toBe('Aggregated');
    expect(e.value).toMatchObject({ parent: CASE1, action: 'aggregated', org: CARRIER, location: DC });
    await peer.ok(CARRIER, 'Aggregate', PALLET, agg([{ sscc: CASE1 }, { sscc: CASE2 }]));
    // The pallet moves to the pharmacy; it unpacks a case at its site, then a pack from that case.
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY, SHOP));
    await peer.ok(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    expect(await peer.refused(CARRIER, 'Disaggregate', PALLET, agg([{ sscc: CASE1 }], SHOP))).toMatch(
      /^FORBIDDEN: 076123450000000046 is held by PharmacyMSP/,
    );
    expect(await peer.refused(CARRIER, 'Disaggregate', CASE1, agg([pack('SN-1')], SHOP))).toMatch(
      /^FORBIDDEN/,
    );
    const d = await peer.ok(PHARMACY, 'Disaggregate', PALLET, agg([{ sscc: CASE1 }], SHOP));
    expect(d).toMatchObject({
      action: 'disaggregated',
      children: [{ sscc: CASE1 }],
      location: SHOP,
      org: PHARMACY,
    });
    await peer.ok(PHARMACY, 'Disaggregate', CASE1, agg([pack('SN-1')], SHOP));
    expect(await peer.refused(PHARMACY, 'Disaggregate', CASE1, agg([pack('SN-1')], SHOP))).toMatch(
      /^CONFLICT: disaggregation.children\[0\]: sgtin 07612345000015 SN-1 is not in 076123450000000060/,
    );
    // The unpacked case is the pharmacy's now: the carrier cannot pack into it.
    expect(await peer.refused(CARRIER, 'Aggregate', CASE1, agg([pack('SN-9')]))).toMatch(/^FORBIDDEN/);
    await peer.ok(PHARMACY, 'Aggregate', CASE1, agg([pack('SN-1')], SHOP));
  });

  it('lets only the holder of the parent pack into it', async () => {
    const peer = await carrierPeer();
    expect(await peer.refused(PHARMACY, 'Aggregate', PALLET, agg([pack('SN-1')]))).toMatch(
      /^FORBIDDEN: 076123450000000046 is held by CarrierMSP; only its holder/,
    );
    await peer.ok(CARRIER, 'Aggregate', CASE1, agg([pack('SN-1')]));
    expect(await peer.refused(OWNER, 'Aggregate', CASE1, agg([pack('SN-2')]))).toMatch(/^FORBIDDEN/);
    expect(await peer.refused(OWNER, 'Aggregate', PALLET2, agg([{ sscc: CASE1 }]))).toMatch(
      /^FORBIDDEN: aggregation.children\[0\]: container 076123450000000060 is held by CarrierMSP/,
    );
  });

  it('refuses a child under two parents, and cycles', async () => {
    const peer = await carrierPeer();
    await peer.ok(CARRIER, 'Aggregate', CASE1, agg([pack('SN-1'), { sscc: INNER }]));
    expect(await peer.refused(CARRIER, 'Aggregate', CASE2, agg([pack('SN-1')]))).toMatch(
      /^CONFLICT: aggregation.children\[0\]: sgtin 07612345000015 SN-1 is already in 076123450000000060; disaggregate it there first/,
    );
    expect(await peer.refused(CARRIER, 'Aggregate', CASE2, agg([{ sscc: INNER }]))).toMatch(
      /^CONFLICT: .*sscc 076123450000000084 is already in 076123450000000060/,
    );
    expect(await peer.refused(CARRIER, 'Aggregate', INNER, agg([{ sscc: CASE1 }]))).toMatch(
      /^CONFLICT: aggregation.children\[0\]: 076123450000000060 contains 076123450000000084; packing it inside would make a cycle/,
    );
    expect(await peer.refused(CARRIER, 'Aggregate', CASE1, agg([{ sscc: CASE1 }]))).toMatch(/cycle/);
    expect(await peer.refused(CARRIER, 'Aggregate', CASE2, agg([{ sscc: PALLET }]))).toMatch(
      /^INVALID_INPUT: .*076123450000000046 is a shipment/,
    );
    expect(await peer.refused(CARRIER, 'Aggregate', CASE2, agg([pack('SN-2'), pack('SN-2')]))).toMatch(
      /listed twice/,
    );
    // Lot quantities are class-level: the same lot may sit in several cases, once per case.
    const lot = { gtin: GTIN2, lot: 'B7', quantity: 3 };
    await peer.ok(CARRIER, 'Aggregate', CASE1, agg([lot]));
    await peer.ok(CARRIER, 'Aggregate', CASE2, agg([lot]));
    expect(await peer.refused(CARRIER, 'Aggregate', CASE1, agg([lot]))).toMatch(
      /^CONFLICT: .*lot 07612345000022 B7 is already in 076123450000000060/,
    );
    // Unpacked, the pack may go into another case.
    await peer.ok(CARRIER, 'Disaggregate', CASE1, agg([pack('SN-1')]));
    await peer.ok(CARRIER, 'Aggregate', CASE2, agg([pack('SN-1')]));
  });

  it('validates the request', async () => {
    const peer = await carrierPeer();
    expect(await peer.refused(CARRIER, 'Aggregate', PALLET, agg([]))).toMatch(
      /^INVALID_INPUT: aggregation.children must be a list/,
    );
    expect(await peer.refused(CARRIER, 'Aggregate', PALLET, agg([{ sscc: '076123450000000047' }]))).toMatch(
      /wrong GS1 check digit/,
    );
    expect(
      await peer.refused(CARRIER, 'Aggregate', PALLET, JSON.stringify({ children: [pack('SN-1')] })),
    ).toMatch(/lacks field\(s\): location/);
    expect(await peer.refused(CARRIER, 'Aggregate', PALLET, agg([pack('SN-1')], 'dock 3'))).toMatch(
      /aggregation.location must be an SGLN/,
    );
  });
});
