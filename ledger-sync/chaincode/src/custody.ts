import type { CustodyEvent, CustodyOffer, ReceiptEntry, ShipmentEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import * as gs1 from './gs1.js';
import { recordReceipt } from './receipts.js';
import { listCustody } from './shipments.js';
import { callerMsp, emit, keys, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

/**
 * The two-step custody hand-over (DESIGN §3): the current custodian offers the shipment to a named org at a
 * site; only that org accepts (it becomes the custodian, and the shipment's contents are received at its
 * site) or rejects with a reason; the offerer may withdraw an unanswered offer. One open offer at a time
 * (`custodyoffer`[sscc], deleted once answered). Each step is its own custody event key. Hand-overs stay
 * possible after CompleteShipment: completion closes the monitored transport leg, while goods still change
 * hands afterwards (a carrier hands the pallet to the pharmacy on arrival).
 * Time is the transaction timestamp; a step may also declare `eventTime`, recorded beside it (never later).
 */
const OFFER_FIELDS = ['to', 'location'] as const;
const ACCEPT_FIELDS = ['location'] as const;
const REJECT_FIELDS = ['location', 'reason'] as const;
const OPTIONAL = ['eventTime'] as const;

export const custodyKeys = {
  offer: (ctx: Context, sscc: string) => ctx.stub.createCompositeKey('custodyoffer', [sscc]),
};

async function shipmentOrFail(ctx: Context, sscc: string): Promise<ShipmentEntry> {
  const s = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, sscc));
  if (!s) notFound(`shipment ${sscc} does not exist; create it first`);
  return s;
}

async function openOffer(ctx: Context, sscc: string): Promise<CustodyOffer> {
  const offer = await readJson<CustodyOffer>(ctx, custodyKeys.offer(ctx, sscc));
  if (!offer)
    conflict(`shipment ${sscc} has no open custody offer (none was made, or it was already answered)`);
  return offer;
}

async function putEvent(ctx: Context, event: CustodyEvent, millis: number): Promise<void> {
  await writeJson(ctx, keys.custody(ctx, event.sscc, millis, event.txId), event);
}

export async function offerCustody(ctx: Context, ssccArg: string, arg: string): Promise<CustodyOffer> {
  const sscc = v.sscc(ssccArg);
  const now = txTime(ctx);
  const o = v.objectWith(v.jsonValue(arg, 'offer'), 'offer', OFFER_FIELDS, OPTIONAL);
  const to = v.identifier(o.to, 'offer.to');
  const { location } = gs1.sgln(o.location, 'offer.location');
  const eventTime = v.eventTime(o.eventTime, 'offer.eventTime', now.millis);
  const org = callerMsp(ctx);
  const shipment = await shipmentOrFail(ctx, sscc);
  if (shipment.custodian !== org) {
    forbidden(
      `${org} is not the custodian of shipment ${sscc} (${shipment.custodian} is); only the custodian may offer custody`,
    );
  }
  if (to === org) invalid(`offer.to names ${org} itself; offer custody to the org that is to receive it`);
  const existing = await readJson<CustodyOffer>(ctx, custodyKeys.offer(ctx, sscc));
  if (existing) {
    conflict(
      `shipment ${sscc} already has an open offer to ${existing.to} (tx ${existing.txId}); withdraw it first`,
    );
  }
  const txId = ctx.stub.getTxID();
  const offer: CustodyOffer = { sscc, from: org, to, location, at: now.iso, eventTime, txId };
  await writeJson(ctx, custodyKeys.offer(ctx, sscc), offer);
  await putEvent(
    ctx,
    { sscc, action: 'offered', org, to, location, at: now.iso, eventTime, txId },
    now.millis,
  );
  emit(ctx, 'CustodyOffered', offer);
  return offer;
}

export interface AcceptResult {
  shipment: ShipmentEntry;
  event: CustodyEvent;
  receipts: ReceiptEntry[];
}

export async function acceptCustody(ctx: Context, ssccArg: string, arg: string): Promise<AcceptResult> {
  const sscc = v.sscc(ssccArg);
  const now = txTime(ctx);
  const a = v.objectWith(v.jsonValue(arg, 'accept'), 'accept', ACCEPT_FIELDS, OPTIONAL);
  const where = gs1.sgln(a.location, 'accept.location');
  const eventTime = v.eventTime(a.eventTime, 'accept.eventTime', now.millis);
  const org = callerMsp(ctx);
  const shipment = await shipmentOrFail(ctx, sscc);
  const offer = await openOffer(ctx, sscc);
  if (offer.to !== org) {
    forbidden(`the open offer of shipment ${sscc} names ${offer.to}; only ${offer.to} may accept it`);
  }
  const txId = ctx.stub.getTxID();
  const updated: ShipmentEntry = { ...shipment, custodian: org };
  const event: CustodyEvent = {
    sscc,
    action: 'accepted',
    org,
    from: offer.from,
    location: where.location,
    at: now.iso,
    eventTime,
    txId,
  };
  const receipts = await recordReceipt(ctx, shipment, where, org, now);
  await writeJson(ctx, keys.shipment(ctx, sscc), updated);
  await ctx.stub.deleteState(custodyKeys.offer(ctx, sscc));
  await putEvent(ctx, event, now.millis);
  const result = { shipment: updated, event, receipts };
  emit(ctx, 'CustodyAccepted', result);
  return result;
}

export async function rejectCustody(ctx: Context, ssccArg: string, arg: string): Promise<CustodyEvent> {
  const sscc = v.sscc(ssccArg);
  const now = txTime(ctx);
  const r = v.objectWith(v.jsonValue(arg, 'reject'), 'reject', REJECT_FIELDS, OPTIONAL);
  const { location } = gs1.sgln(r.location, 'reject.location');
  const reason = v.text(r.reason, 'reject.reason');
  const eventTime = v.eventTime(r.eventTime, 'reject.eventTime', now.millis);
  const org = callerMsp(ctx);
  await shipmentOrFail(ctx, sscc);
  const offer = await openOffer(ctx, sscc);
  if (offer.to !== org) {
    forbidden(`the open offer of shipment ${sscc} names ${offer.to}; only ${offer.to} may reject it`);
  }
  const txId = ctx.stub.getTxID();
  const event: CustodyEvent = {
    sscc,
    action: 'rejected',
    org,
    from: offer.from,
    location,
    reason,
    at: now.iso,
    eventTime,
    txId,
  };
  await ctx.stub.deleteState(custodyKeys.offer(ctx, sscc));
  await putEvent(ctx, event, now.millis);
  emit(ctx, 'CustodyRejected', event);
  return event;
}

/** `withdrawJson`: `{}` or `{"reason": "..."}`. */
export async function withdrawOffer(ctx: Context, ssccArg: string, arg: string): Promise<CustodyEvent> {
  const sscc = v.sscc(ssccArg);
  const now = txTime(ctx);
  const w = v.objectWith(v.jsonValue(arg, 'withdrawal'), 'withdrawal', [], ['reason']);
  const reason = w.reason === undefined || w.reason === null ? null : v.text(w.reason, 'withdrawal.reason');
  const org = callerMsp(ctx);
  const offer = await openOffer(ctx, sscc);
  if (offer.from !== org)
    forbidden(`the open offer of shipment ${sscc} was made by ${offer.from}; only it may withdraw it`);
  const txId = ctx.stub.getTxID();
  const event: CustodyEvent = { sscc, action: 'withdrawn', org, to: offer.to, reason, at: now.iso, txId };
  await ctx.stub.deleteState(custodyKeys.offer(ctx, sscc));
  await putEvent(ctx, event, now.millis);
  emit(ctx, 'CustodyOfferWithdrawn', event);
  return event;
}

export interface CustodyView {
  sscc: string;
  custodian: string;
  openOffer: CustodyOffer | null;
  events: CustodyEvent[];
}

/** The shipment's full custody trail in time order, with its custodian and open offer; undefined if unknown. */
export async function getCustody(ctx: Context, ssccArg: string): Promise<CustodyView | undefined> {
  const sscc = v.sscc(ssccArg);
  const shipment = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, sscc));
  if (!shipment) return undefined;
  return {
    sscc,
    custodian: shipment.custodian,
    openOffer: (await readJson<CustodyOffer>(ctx, custodyKeys.offer(ctx, sscc))) ?? null,
    events: await listCustody(ctx, sscc),
  };
}
