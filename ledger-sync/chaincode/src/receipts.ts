import type { LedgerPage, ReceiptEntry, ShipmentEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { contentsInside } from './aggregation.js';
import { isSgtin } from './contents.js';
import * as gs1 from './gs1.js';
import { pageJson, pageSizeArg } from './pagination.js';
import { listJson, MILLIS_WIDTH, pad, type TxTime, writeJson } from './state.js';

/**
 * Receipts: a custody accept at a site receives the shipment's contents there. The lines are the contents the
 * shipment declared, plus every SGTIN and lot quantity packed inside it (any depth); a lot both declared and
 * packed counts once, with the declared quantity (the declaration is the total, the packing its breakdown).
 * Each line is its own key, three ways: `receipt`[gtin, site, day, millis, txId, n] for demand and stock
 * movement per product x site x day (what forecasting reads), `receiptlot`[gtin, lot, ...] and
 * `receiptsgtin`[gtin, serial, ...] for the lot and SGTIN traces. A received lot also names its holder at the
 * site, `stock`[gtin, lot, site] (a blind write: receipts at a site never conflict), which is who may record
 * its dispenses there.
 */
const LINE_WIDTH = 4;

export interface StockHolder {
  gtin: string;
  lot: string;
  site: string;
  org: string;
  since: string;
  txId: string;
}

export const receiptKeys = {
  byProduct: (ctx: Context, r: ReceiptEntry, millis: number, n: number) =>
    ctx.stub.createCompositeKey('receipt', [
      r.gtin,
      r.site,
      r.day,
      pad(millis, MILLIS_WIDTH),
      r.txId,
      pad(n, LINE_WIDTH),
    ]),
  byLot: (ctx: Context, r: ReceiptEntry & { lot: string }, millis: number, n: number) =>
    ctx.stub.createCompositeKey('receiptlot', [
      r.gtin,
      r.lot,
      pad(millis, MILLIS_WIDTH),
      r.txId,
      pad(n, LINE_WIDTH),
    ]),
  bySgtin: (ctx: Context, r: ReceiptEntry & { serial: string }, millis: number) =>
    ctx.stub.createCompositeKey('receiptsgtin', [r.gtin, r.serial, pad(millis, MILLIS_WIDTH), r.txId]),
  stock: (ctx: Context, gtin: string, lot: string, site: string) =>
    ctx.stub.createCompositeKey('stock', [gtin, lot, site]),
};

type Line = Pick<ReceiptEntry, 'gtin' | 'lot' | 'expiry' | 'serial' | 'quantity'>;

async function linesOf(ctx: Context, shipment: ShipmentEntry): Promise<Line[]> {
  const lines = new Map<string, Line>();
  const declared = new Set<string>();
  for (const item of shipment.contents ?? []) {
    const id = isSgtin(item) ? `s ${item.gtin} ${item.serial}` : `l ${item.gtin} ${item.lot}`;
    declared.add(id);
    lines.set(id, isSgtin(item) ? { ...item, quantity: 1 } : { ...item });
  }
  for (const c of await contentsInside(ctx, shipment.sscc)) {
    if ('sscc' in c) continue;
    if ('serial' in c) {
      lines.set(`s ${c.gtin} ${c.serial}`, { ...c, quantity: 1 });
      continue;
    }
    const id = `l ${c.gtin} ${c.lot}`;
    if (declared.has(id)) continue;
    const prev = lines.get(id);
    lines.set(id, { gtin: c.gtin, lot: c.lot, quantity: (prev?.quantity ?? 0) + c.quantity });
  }
  return [...lines.values()];
}

/** Writes the receipt of everything the shipment carries at `site`; returns the lines. */
export async function recordReceipt(
  ctx: Context,
  shipment: ShipmentEntry,
  where: gs1.Site,
  org: string,
  now: TxTime,
): Promise<ReceiptEntry[]> {
  const txId = ctx.stub.getTxID();
  const day = now.iso.slice(0, 10);
  const receipts = (await linesOf(ctx, shipment)).map(
    (line): ReceiptEntry => ({
      ...line,
      sscc: shipment.sscc,
      location: where.location,
      site: where.site,
      day,
      org,
      at: now.iso,
      txId,
    }),
  );
  for (const [n, r] of receipts.entries()) {
    await writeJson(ctx, receiptKeys.byProduct(ctx, r, now.millis, n), r);
    if (r.lot !== undefined) {
      await writeJson(ctx, receiptKeys.byLot(ctx, { ...r, lot: r.lot }, now.millis, n), r);
      await writeJson(ctx, receiptKeys.stock(ctx, r.gtin, r.lot, r.site), {
        gtin: r.gtin,
        lot: r.lot,
        site: r.site,
        org,
        since: now.iso,
        txId,
      } satisfies StockHolder);
    }
    if (r.serial !== undefined) {
      await writeJson(ctx, receiptKeys.bySgtin(ctx, { ...r, serial: r.serial }, now.millis), r);
    }
  }
  return receipts;
}

export async function receiptsOfLot(ctx: Context, gtin: string, lot: string): Promise<ReceiptEntry[]> {
  return listJson<ReceiptEntry>(ctx, 'receiptlot', [gtin, lot]);
}

export async function receiptsOfSgtin(ctx: Context, gtin: string, serial: string): Promise<ReceiptEntry[]> {
  return listJson<ReceiptEntry>(ctx, 'receiptsgtin', [gtin, serial]);
}

/**
 * One page of a product's receipts at a site, in day and time order (the forecasting read: stock movement
 * per product x site x day). `location` is an SGLN or GLN-13; `bookmark` '' for the first page.
 */
export async function listReceipts(
  ctx: Context,
  gtinArg: string,
  locationArg: string,
  pageSize: string,
  bookmark: string,
): Promise<LedgerPage<ReceiptEntry>> {
  const gtin = gs1.gtin(gtinArg, 'gtin');
  const { site } = gs1.sgln(locationArg, 'location');
  return pageJson<ReceiptEntry>(ctx, 'receipt', [gtin, site], pageSizeArg(pageSize), bookmark);
}
