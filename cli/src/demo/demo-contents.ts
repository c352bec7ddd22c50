import { type ShipmentItem, toDigitalLink, toElementString } from '@coldtrail/core';
import { DEMO } from './demo-setup.js';

/**
 * What the demo's shipment carries, declared at CreateShipment (chaincode contents.ts): a lot line of the
 * demo product and three serialised packs of it. The lot and its expiry are the same on every run, so a
 * second run on one data dir puts the lot on a second shipment (its recall scope grows); the serials are the
 * shipment's own (from its SSCC's serial reference), so each pack travels once.
 */
export function demoContents(sscc: string): ShipmentItem[] {
  // SSCC = extension + 7-digit company prefix + 9-digit serial reference + check digit (GenSpecs §2.2.1).
  const ref = Number(sscc.slice(1 + DEMO.companyPrefix.length, 17));
  const serials = [1, 2, 3].map((n) => `P${ref}-${String(n).padStart(2, '0')}`);
  return [
    { gtin: DEMO.gtin, lot: DEMO.lot, expiry: DEMO.expiry, quantity: 120 },
    ...serials.map((serial) => ({ gtin: DEMO.gtin, serial })),
  ];
}

/** The `coldtrail provenance` commands that answer for what the shipment carried, one per identifier form. */
export function identifiersToTry(contents: readonly ShipmentItem[], dataDir: string): string[] {
  const pack = contents.find((i) => 'serial' in i);
  const lotLine = contents.find((i) => 'lot' in i);
  const dir = ` --data-dir ${dataDir}`;
  const out: string[] = [];
  if (pack && 'serial' in pack) {
    out.push(`coldtrail provenance '${toElementString({ kind: 'sgtin', ...pack })}'${dir}`);
  }
  if (lotLine && 'lot' in lotLine) {
    const lot = { kind: 'lot' as const, gtin: lotLine.gtin, lot: lotLine.lot };
    out.push(
      `coldtrail provenance '${toElementString(lot)}'${dir}`,
      `coldtrail provenance ${lot.gtin} --lot ${lot.lot}${dir}`,
      `coldtrail provenance '${toDigitalLink(lot)}'${dir}`,
    );
  }
  return out;
}
