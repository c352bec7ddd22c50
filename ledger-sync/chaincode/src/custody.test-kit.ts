import { MemoryPeer } from './test-harness.js';

/** Fixtures for the custody, aggregation, dispense and trace tests: valid GS1 numbers and a ready peer. */
export const CARRIER = 'CarrierMSP';
export const PHARMACY = 'PharmacyMSP';
export const OWNER = 'ColdtrailOrgMSP';
export const PALLET = '076123450000000046';
export const PALLET2 = '076123450000000053';
export const CASE1 = '076123450000000060';
export const CASE2 = '076123450000000077';
export const INNER = '076123450000000084';
export const GTIN = '07612345000015';
export const GTIN2 = '07612345000022';
/** The same product as GTIN, given as a GTIN-13. */
export const GTIN13 = '7612345000015';
export const DC = 'urn:epc:id:sgln:7612345.00010.0';
/** The DC as a bare GLN-13 (same site key). */
export const DC_GLN = '7612345000107';
export const SHOP = 'urn:epc:id:sgln:7612345.00020.0';
export const SHOP_GLN = '7612345000206';

export const shipment = (sscc: string, device: string, contents?: unknown[]) =>
  JSON.stringify({
    sscc,
    device,
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq: 1,
    ...(contents ? { contents } : {}),
  });

export const lotLine = (lot: string, quantity: number, gtin = GTIN) => ({
  gtin,
  lot,
  expiry: '2027-06-30',
  quantity,
});

/** A peer where the carrier holds pallet PALLET (on its own device) with the given contents. */
export async function carrierPeer(contents?: unknown[]): Promise<MemoryPeer> {
  const peer = await MemoryPeer.create();
  await peer.ok(CARRIER, 'RegisterDevice', 'truck-1', 'a'.repeat(64));
  await peer.ok(CARRIER, 'CreateShipment', shipment(PALLET, 'truck-1', contents));
  return peer;
}

export const offer = (to: string, location = DC, extra: object = {}) =>
  JSON.stringify({ to, location, ...extra });
export const at = (location: string, extra: object = {}) => JSON.stringify({ location, ...extra });
