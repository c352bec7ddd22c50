import type { DeviceEntry, ProvenanceView, ShipmentEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { anchorsOverlapping } from './anchors.js';
import { getDevice } from './devices.js';
import { notFound } from './errors.js';
import { listExcursions } from './excursions.js';
import { deviceShipment, getShipment, listCustody } from './shipments.js';

/**
 * Everything the ledger knows about one shipment, read in one query. Undefined for an unknown SSCC. `custody`
 * is the whole trail in time order: created and completed, and every hand-over step (offered, accepted,
 * rejected, withdrawn; see custody.ts), all under the shipment's `custody` key prefix.
 */
export async function queryProvenance(ctx: Context, ssccArg: string): Promise<ProvenanceView | undefined> {
  const shipment = await getShipment(ctx, ssccArg);
  if (!shipment) return undefined;
  const device: DeviceEntry | undefined = await getDevice(ctx, shipment.device);
  if (!device) notFound(`device ${shipment.device} of shipment ${shipment.sscc} is not registered`);
  const toSeq = shipment.toSeq ?? Number.MAX_SAFE_INTEGER;
  return {
    shipment,
    device,
    custody: await listCustody(ctx, shipment.sscc),
    anchors: await anchorsOverlapping(ctx, shipment.device, shipment.fromSeq, toSeq),
    excursions: await listExcursions(ctx, shipment.sscc),
    ...(await neighbours(ctx, shipment)),
  };
}

/** The device's shipments before and after this one: what bounds its range of readings on the device. */
async function neighbours(ctx: Context, shipment: ShipmentEntry) {
  const n = shipment.ordinal;
  if (n === undefined) return { previous: null, next: null };
  return {
    previous: (await deviceShipment(ctx, shipment.device, n - 1)) ?? null,
    next: (await deviceShipment(ctx, shipment.device, n + 1)) ?? null,
  };
}
