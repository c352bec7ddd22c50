import type {
  AggregationMembership,
  CustodyEvent,
  DispenseEntry,
  ExcursionEntry,
  ReceiptEntry,
  ShipmentEntry,
} from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { childParts, MAX_DEPTH, membershipsOf } from './aggregation.js';
import { shipmentsWithLot, shipmentsWithSgtin } from './contents.js';
import { dispensesOfLot } from './dispense.js';
import { listExcursions } from './excursions.js';
import * as gs1 from './gs1.js';
import { receiptsOfLot, receiptsOfSgtin } from './receipts.js';
import { listCustody } from './shipments.js';
import { keys, readJson } from './state.js';

/**
 * Everything the ledger knows about a lot or an SGTIN: the shipments that carried it, directly (their
 * declared contents) or inside containers (aggregation, at any depth, including containers it has since
 * left), each with its custody trail and excursions; the aggregation steps on the way; the receipts; and, for
 * a lot, its dispenses. `path` runs from the item's innermost container out to the shipment.
 */
export interface CarrierView {
  sscc: string;
  path: string[];
  shipment: ShipmentEntry;
  custody: CustodyEvent[];
  excursions: ExcursionEntry[];
}

export interface TraceView {
  gtin: string;
  lot?: string;
  serial?: string;
  shipments: CarrierView[];
  aggregation: AggregationMembership[];
  receipts: ReceiptEntry[];
  dispenses: DispenseEntry[];
}

/** Breadth-first up the containers; each SSCC once (so no cycle or diamond repeats work). */
async function carriers(
  ctx: Context,
  direct: string[],
  itemParts: string[],
): Promise<{ shipments: CarrierView[]; aggregation: AggregationMembership[] }> {
  const paths = new Map<string, string[]>();
  for (const sscc of direct) paths.set(sscc, [sscc]);
  const aggregation: AggregationMembership[] = [];
  let frontier: { parts: string[]; path: string[] }[] = [{ parts: itemParts, path: [] }];
  for (let depth = 0; frontier.length > 0 && depth <= MAX_DEPTH; depth++) {
    const next: typeof frontier = [];
    for (const { parts, path } of frontier) {
      for (const m of await membershipsOf(ctx, parts)) {
        aggregation.push(m);
        if (paths.has(m.parent)) continue;
        const up = [...path, m.parent];
        paths.set(m.parent, up);
        next.push({ parts: childParts({ sscc: m.parent }), path: up });
      }
    }
    frontier = next;
  }
  const shipments: CarrierView[] = [];
  for (const [sscc, path] of [...paths].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const shipment = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, sscc));
    if (!shipment) continue; // a container, not a shipment
    shipments.push({
      sscc,
      path,
      shipment,
      custody: await listCustody(ctx, sscc),
      excursions: await listExcursions(ctx, sscc),
    });
  }
  return { shipments, aggregation };
}

/** The shipments that carry or carried a lot or an SGTIN, directly or inside containers (as in the traces). */
export async function carryingShipments(
  ctx: Context,
  item: { gtin: string; lot: string } | { gtin: string; serial: string },
): Promise<CarrierView[]> {
  const found =
    'lot' in item
      ? await carriers(ctx, await shipmentsWithLot(ctx, item.gtin, item.lot), ['lot', item.gtin, item.lot])
      : await carriers(ctx, await shipmentsWithSgtin(ctx, item.gtin, item.serial), [
          'sgtin',
          item.gtin,
          item.serial,
        ]);
  return found.shipments;
}

export async function queryLot(ctx: Context, gtinArg: string, lotArg: string): Promise<TraceView> {
  const gtin = gs1.gtin(gtinArg, 'gtin');
  const lot = gs1.ai82(lotArg, 'lot', '10');
  const found = await carriers(ctx, await shipmentsWithLot(ctx, gtin, lot), ['lot', gtin, lot]);
  return {
    gtin,
    lot,
    ...found,
    receipts: await receiptsOfLot(ctx, gtin, lot),
    dispenses: await dispensesOfLot(ctx, gtin, lot),
  };
}

/** Dispenses are recorded per lot, so an SGTIN's answer lists none. */
export async function querySgtin(ctx: Context, gtinArg: string, serialArg: string): Promise<TraceView> {
  const gtin = gs1.gtin(gtinArg, 'gtin');
  const serial = gs1.ai82(serialArg, 'serial', '21');
  const found = await carriers(ctx, await shipmentsWithSgtin(ctx, gtin, serial), ['sgtin', gtin, serial]);
  return { gtin, serial, ...found, receipts: await receiptsOfSgtin(ctx, gtin, serial), dispenses: [] };
}
