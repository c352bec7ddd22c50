import type { AnchorHead, CustodyEvent, ShipmentClosing, ShipmentEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { type ExcursionInput, listExcursions, parseExcursion, putExcursion } from './excursions.js';
import { callerMsp, emit, keys, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

const CLOSING_FIELDS = ['excursions', 'reason'] as const;
const MAX_EXCURSIONS = 10_000;

function parseClosing(arg: string, sscc: string): { excursions: ExcursionInput[]; reason: string | null } {
  const c = v.jsonObject(arg, 'closing', CLOSING_FIELDS) as Record<keyof ShipmentClosing, unknown>;
  if (!Array.isArray(c.excursions) || c.excursions.length > MAX_EXCURSIONS) {
    invalid(`closing.excursions must be an array of at most ${MAX_EXCURSIONS} excursions`);
  }
  const seen = new Set<string>();
  const excursions = c.excursions.map((x, i) => {
    const e = parseExcursion(x, `closing.excursions[${i}]`);
    if (e.sscc !== sscc) invalid(`closing.excursions[${i}] belongs to shipment ${e.sscc}, not ${sscc}`);
    if (seen.has(e.id)) invalid(`closing.excursions[${i}]: excursion ${e.id} is listed twice`);
    seen.add(e.id);
    return e;
  });
  const reason = c.reason === null ? null : v.text(c.reason, 'closing.reason');
  return { excursions, reason };
}

/**
 * Closes a shipment at device seq `toSeq` with its final excursion set, in one transaction, so no crash and
 * no client can complete a shipment without its excursions: every excursion the ledger already holds for the
 * shipment must be in the set (one recorded in transit may have grown since), the ones not yet recorded are
 * recorded here. Only the custodian may complete, only once every reading up to toSeq is anchored, and not
 * at a time before the shipment's creation. `toSeq = fromSeq - 1` closes a shipment that got no readings
 * (its process died first); `closing.reason` says why a shipment was closed by hand.
 */
export async function completeShipment(
  ctx: Context,
  ssccArg: string,
  toSeqArg: string,
  closingArg: string,
): Promise<ShipmentEntry> {
  const sscc = v.sscc(ssccArg);
  const toSeq = v.seqOrZeroArg(toSeqArg, 'toSeq');
  const closing = parseClosing(closingArg, sscc);
  const key = keys.shipment(ctx, sscc);
  const shipment = await readJson<ShipmentEntry>(ctx, key);
  if (!shipment) notFound(`shipment ${sscc} does not exist`);
  const org = callerMsp(ctx);
  if (shipment.custodian !== org) forbidden(`only the custodian ${shipment.custodian} may complete ${sscc}`);
  if (shipment.status === 'completed') {
    if (shipment.toSeq === toSeq) return shipment; // a retry
    conflict(`shipment ${sscc} is already completed at seq ${shipment.toSeq}`);
  }
  if (toSeq < shipment.fromSeq - 1) {
    invalid(
      `toSeq ${toSeq} is below the shipment's fromSeq ${shipment.fromSeq} (${shipment.fromSeq - 1} closes it without readings)`,
    );
  }
  if (toSeq >= shipment.fromSeq) {
    const head = await readJson<AnchorHead>(ctx, keys.anchorHead(ctx, shipment.device));
    const upTo = head?.upTo ?? 0;
    if (upTo < toSeq) {
      conflict(`readings of ${shipment.device} are anchored up to ${upTo}; anchor them up to ${toSeq} first`);
    }
  }
  const now = txTime(ctx);
  if (now.millis < Date.parse(shipment.createdAt)) {
    invalid(`the completion time ${now.iso} is before the shipment's creation at ${shipment.createdAt}`);
  }
  const listed = new Set(closing.excursions.map((e) => e.id));
  const dropped = (await listExcursions(ctx, sscc)).filter((e) => !listed.has(e.id));
  if (dropped[0]) {
    conflict(
      `excursion ${dropped[0].id} is recorded for ${sscc} but missing from the completion's excursion set: a completion cannot drop an excursion`,
    );
  }
  for (const e of closing.excursions) await putExcursion(ctx, shipment, e);
  const entry: ShipmentEntry = { ...shipment, toSeq, status: 'completed', completedAt: now.iso };
  const custody: CustodyEvent = {
    sscc,
    action: 'completed',
    org,
    at: now.iso,
    txId: ctx.stub.getTxID(),
    reason: closing.reason,
  };
  await writeJson(ctx, key, entry);
  await writeJson(ctx, keys.custody(ctx, sscc, now.millis, custody.txId), custody);
  emit(ctx, 'ShipmentCompleted', entry);
  return entry;
}
