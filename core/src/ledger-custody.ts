import { z } from 'zod';
import { isSscc } from './gs1.js';
import { IDENTIFIER_PATTERN, ISO_MS_PATTERN } from './patterns.js';

/**
 * The ledger's product-level entries: what a shipment carries (GS1 SGTINs and GTIN + lot lines), how
 * containers nest (EPCIS aggregation, pallet -> case -> pack), the two-step custody hand-over, receipts and
 * dispense events. The chaincode stores them as RFC 8785 JSON; readers check them against these schemas.
 * GTINs are always stored as 14 digits; expiry dates as `YYYY-MM-DD` (GS1 AI 17 YYMMDD converted; a day of
 * 00 means the last day of that month and must be converted by the caller); sites as SGLN (see `site`).
 */

/** One serialised pack: GS1 AI 01 + AI 21. */
export interface SgtinItem {
  gtin: string;
  serial: string;
}

/** A class-level line: GS1 AI 01 + AI 10 + AI 17 with a count of units. */
export interface LotItem {
  gtin: string;
  lot: string;
  expiry: string;
  quantity: number;
}

export type ShipmentItem = SgtinItem | LotItem;

/** A child of a container in an aggregation: another SSCC, a pack, or a class-level lot quantity. */
export type AggregationChild = { sscc: string } | SgtinItem | { gtin: string; lot: string; quantity: number };

/** The open custody offer of a shipment (at most one; gone once accepted, rejected or withdrawn). */
export interface CustodyOffer {
  sscc: string;
  from: string;
  to: string;
  location: string;
  at: string;
  eventTime: string | null;
  txId: string;
}

/** One (dis)aggregation transaction under a parent SSCC. */
export interface AggregationEvent {
  parent: string;
  action: 'aggregated' | 'disaggregated';
  children: AggregationChild[];
  org: string;
  location: string;
  at: string;
  eventTime: string | null;
  txId: string;
}

/** One child's membership step: kept for good, so a trace finds what once carried an item. */
export interface AggregationMembership {
  child: AggregationChild;
  parent: string;
  action: 'aggregated' | 'disaggregated';
  at: string;
  txId: string;
}

/** A line received at a site by a custody accept: one per product line of the shipment. */
export interface ReceiptEntry {
  sscc: string;
  gtin: string;
  /** Set on lot lines. */
  lot?: string;
  expiry?: string;
  /** Set on SGTIN lines (quantity 1). */
  serial?: string;
  quantity: number;
  /** The SGLN as given; `site` is its canonical key form (GLN-13, plus `.extension` when not 0). */
  location: string;
  site: string;
  /** UTC day of the receipt, YYYY-MM-DD (the demand/stock bucket). */
  day: string;
  org: string;
  at: string;
  txId: string;
}

export interface DispenseEntry {
  gtin: string;
  lot: string;
  quantity: number;
  location: string;
  site: string;
  /** Declared time of the dispense (not after `recordedAt`). */
  time: string;
  org: string;
  recordedAt: string;
  txId: string;
}

const iso = z.string().regex(ISO_MS_PATTERN, 'an ISO-8601 UTC time');
const id = z.string().regex(IDENTIFIER_PATTERN, 'an identifier');
const gtin = z.string().regex(/^\d{14}$/, 'a GTIN-14');
const sscc = z.string().refine(isSscc, 'an SSCC');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date');
const qty = z.number().int().positive();

export const sgtinItemSchema = z.object({ gtin, serial: z.string().min(1).max(20) }).strict();
export const lotItemSchema = z
  .object({ gtin, lot: z.string().min(1).max(20), expiry: day, quantity: qty })
  .strict();
export const shipmentItemSchema = z.union([sgtinItemSchema, lotItemSchema]);
export const aggregationChildSchema = z.union([
  z.object({ sscc }).strict(),
  sgtinItemSchema,
  z.object({ gtin, lot: z.string().min(1).max(20), quantity: qty }).strict(),
]);

export const custodyOfferSchema = z.object({
  sscc,
  from: id,
  to: id,
  location: z.string(),
  at: iso,
  eventTime: iso.nullable(),
  txId: z.string().min(1),
}) satisfies z.ZodType<CustodyOffer>;

export const receiptEntrySchema = z.object({
  sscc,
  gtin,
  lot: z.string().optional(),
  expiry: day.optional(),
  serial: z.string().optional(),
  quantity: qty,
  location: z.string(),
  site: z.string(),
  day,
  org: id,
  at: iso,
  txId: z.string().min(1),
}) satisfies z.ZodType<ReceiptEntry>;

export const dispenseEntrySchema = z.object({
  gtin,
  lot: z.string(),
  quantity: qty,
  location: z.string(),
  site: z.string(),
  time: iso,
  org: id,
  recordedAt: iso,
  txId: z.string().min(1),
}) satisfies z.ZodType<DispenseEntry>;
