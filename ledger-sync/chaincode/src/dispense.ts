import type { DispenseEntry, LedgerPage } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { forbidden, invalid } from './errors.js';
import * as gs1 from './gs1.js';
import { decodeBookmark, encodeBookmark, pageSizeArg } from './pagination.js';
import { receiptKeys, type StockHolder } from './receipts.js';
import { callerMsp, emit, listJson, MILLIS_WIDTH, pad, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

/**
 * Dispense / consumption events: units of a GTIN + lot leaving stock at a site (administered, sold, used),
 * the demand signal forecasting reads. Only the org that last received that lot at that site (custody
 * accept, see receipts.ts `stock`) may record them; the ledger does not keep a running stock balance (that
 * would be one hot key per site and lot), so quantities are not checked against receipts.
 * Keys: `dispense`[gtin, eventMillis, txId] for ListDispenses, `dispenselot`[gtin, lot, eventMillis, txId]
 * for the lot trace.
 */
const FIELDS = ['gtin', 'lot', 'quantity', 'location', 'time'] as const;

export const dispenseKeys = {
  byGtin: (ctx: Context, gtin: string, millis: number, txId: string) =>
    ctx.stub.createCompositeKey('dispense', [gtin, pad(millis, MILLIS_WIDTH), txId]),
  byLot: (ctx: Context, gtin: string, lot: string, millis: number, txId: string) =>
    ctx.stub.createCompositeKey('dispenselot', [gtin, lot, pad(millis, MILLIS_WIDTH), txId]),
};

export async function recordDispense(ctx: Context, arg: string): Promise<DispenseEntry> {
  const now = txTime(ctx);
  const d = v.jsonObject(arg, 'dispense', FIELDS);
  const gtin = gs1.gtin(d.gtin, 'dispense.gtin');
  const lot = gs1.ai82(d.lot, 'dispense.lot', '10');
  if (typeof d.quantity !== 'number' || !Number.isSafeInteger(d.quantity) || d.quantity < 1) {
    invalid('dispense.quantity must be an integer >= 1');
  }
  const where = gs1.sgln(d.location, 'dispense.location');
  const time = v.eventTime(d.time, 'dispense.time', now.millis);
  if (time === null) invalid('dispense.time must be a UTC ISO-8601 time with milliseconds');
  const org = callerMsp(ctx);
  const holder = await readJson<StockHolder>(ctx, receiptKeys.stock(ctx, gtin, lot, where.site));
  if (holder?.org !== org) {
    forbidden(
      holder
        ? `lot ${gtin}/${lot} at ${where.site} was last received by ${holder.org}; only it may record dispenses there`
        : `${org} has received no lot ${gtin}/${lot} at ${where.site}; accept its custody there first`,
    );
  }
  const txId = ctx.stub.getTxID();
  const entry: DispenseEntry = {
    gtin,
    lot,
    quantity: d.quantity,
    location: where.location,
    site: where.site,
    time,
    org,
    recordedAt: now.iso,
    txId,
  };
  const millis = Date.parse(time);
  await writeJson(ctx, dispenseKeys.byGtin(ctx, gtin, millis, txId), entry);
  await writeJson(ctx, dispenseKeys.byLot(ctx, gtin, lot, millis, txId), entry);
  emit(ctx, 'DispenseRecorded', entry);
  return entry;
}

function timeArg(value: string, name: string): number | undefined {
  return value === '' ? undefined : v.isoMillis(value, name);
}

/**
 * Dispenses of a GTIN with `from <= time < to` ('' for an open end), in time order, at most `pageSize` per
 * call. The pages come from Fabric's paginated partial-key query; the bookmark is Fabric's (the next key) as
 * base64url (pagination.ts), '' once the range is exhausted, so a walk sees each record exactly once even
 * while new ones are committed. `fetchedRecordsCount` counts the records read, in range or not. Records before `from` are skipped page
 * by page (the key starts with the GTIN, and range queries over composite keys are not allowed), so a query
 * starting late in a long history costs more reads, not more results.
 */
export async function listDispenses(
  ctx: Context,
  gtinArg: string,
  fromArg: string,
  toArg: string,
  pageSizeArg_: string,
  bookmarkArg: string,
): Promise<LedgerPage<DispenseEntry>> {
  const gtin = gs1.gtin(gtinArg, 'gtin');
  const from = timeArg(fromArg, 'fromIso');
  const to = timeArg(toArg, 'toIso');
  const pageSize = pageSizeArg(pageSizeArg_);
  const prefix = ctx.stub.createCompositeKey('dispense', [gtin]);
  const records: DispenseEntry[] = [];
  let bookmark = decodeBookmark(bookmarkArg, prefix);
  let fetchedRecordsCount = 0;
  while (records.length < pageSize) {
    const wanted = pageSize - records.length;
    const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
      'dispense',
      [gtin],
      wanted,
      bookmark,
    );
    let fetched = 0;
    let pastEnd = false;
    try {
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        fetched++;
        fetchedRecordsCount++;
        const e = JSON.parse(Buffer.from(r.value.value).toString('utf8')) as DispenseEntry;
        const t = Date.parse(e.time);
        if (to !== undefined && t >= to) {
          pastEnd = true;
          break;
        }
        if (from === undefined || t >= from) records.push(e);
      }
    } finally {
      await iterator.close();
    }
    // A short page is the last one, whatever bookmark the state database hands back for it.
    bookmark = pastEnd || fetched < wanted ? '' : metadata.bookmark;
    if (bookmark === '') break;
  }
  return { records, fetchedRecordsCount, bookmark: encodeBookmark(bookmark) };
}

export async function dispensesOfLot(ctx: Context, gtin: string, lot: string): Promise<DispenseEntry[]> {
  return listJson<DispenseEntry>(ctx, 'dispenselot', [gtin, lot]);
}
