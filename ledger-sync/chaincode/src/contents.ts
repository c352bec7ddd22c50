import type { LotItem, SgtinItem, ShipmentItem } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { invalid } from './errors.js';
import * as gs1 from './gs1.js';
import { listJson, writeJson } from './state.js';
import * as v from './validate.js';

/**
 * What a shipment carries: SGTIN serials (`{"gtin","serial"}`) and lot lines (`{"gtin","lot","expiry",
 * "quantity"}`, expiry as YYYY-MM-DD). Each item gets an index key naming the shipment, so an SGTIN or a lot
 * finds every shipment that carried it without scanning shipments: `sgtin`[gtin, serial, sscc] and
 * `lot`[gtin, lot, sscc]. One key per item and shipment: no list that every shipment rewrites.
 */
export const MAX_CONTENTS = 1000;

export const contentKeys = {
  sgtin: (ctx: Context, gtin: string, serial: string, sscc: string) =>
    ctx.stub.createCompositeKey('sgtin', [gtin, serial, sscc]),
  lot: (ctx: Context, gtin: string, lot: string, sscc: string) =>
    ctx.stub.createCompositeKey('lot', [gtin, lot, sscc]),
};

export function isSgtin(item: ShipmentItem): item is SgtinItem {
  return 'serial' in item;
}

export function parseItem(value: unknown, name: string): ShipmentItem {
  const isSerial = typeof value === 'object' && value !== null && 'serial' in value;
  if (isSerial) {
    const o = v.exactObject(value, name, ['gtin', 'serial']);
    return { gtin: gs1.gtin(o.gtin, `${name}.gtin`), serial: gs1.ai82(o.serial, `${name}.serial`, '21') };
  }
  const o = v.exactObject(value, name, ['gtin', 'lot', 'expiry', 'quantity']);
  const quantity = o.quantity;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
    invalid(`${name}.quantity must be an integer >= 1`);
  }
  return {
    gtin: gs1.gtin(o.gtin, `${name}.gtin`),
    lot: gs1.ai82(o.lot, `${name}.lot`, '10'),
    expiry: gs1.expiry(o.expiry, `${name}.expiry`),
    quantity,
  };
}

export function itemId(item: ShipmentItem): string {
  return isSgtin(item) ? `sgtin ${item.gtin}/${item.serial}` : `lot ${item.gtin}/${item.lot}`;
}

/** The `contents` of CreateShipment: 1-1000 items, each SGTIN or lot once. */
export function parseContents(value: unknown): ShipmentItem[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CONTENTS) {
    invalid(
      `contents must be a list of 1-${MAX_CONTENTS} items ({"gtin","serial"} or {"gtin","lot","expiry","quantity"})`,
    );
  }
  const seen = new Set<string>();
  return value.map((x, i) => {
    const item = parseItem(x, `contents[${i}]`);
    const id = itemId(item);
    if (seen.has(id)) invalid(`contents[${i}]: ${id} is listed twice; list each SGTIN or lot once`);
    seen.add(id);
    return item;
  });
}

export async function writeContentIndex(ctx: Context, sscc: string, items: ShipmentItem[]): Promise<void> {
  for (const item of items) {
    if (isSgtin(item)) {
      await writeJson(ctx, contentKeys.sgtin(ctx, item.gtin, item.serial, sscc), { ...item, sscc });
    } else {
      await writeJson(ctx, contentKeys.lot(ctx, item.gtin, item.lot, sscc), { ...item, sscc });
    }
  }
}

/** The shipments whose declared contents hold the SGTIN. */
export async function shipmentsWithSgtin(ctx: Context, gtin: string, serial: string): Promise<string[]> {
  return (await listJson<SgtinItem & { sscc: string }>(ctx, 'sgtin', [gtin, serial])).map((r) => r.sscc);
}

/** The shipments whose declared contents hold a line of the lot. */
export async function shipmentsWithLot(ctx: Context, gtin: string, lot: string): Promise<string[]> {
  return (await listJson<LotItem & { sscc: string }>(ctx, 'lot', [gtin, lot])).map((r) => r.sscc);
}
