import type { KeyHistoryEntry, LedgerPage } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { invalid } from './errors.js';
import * as v from './validate.js';

/**
 * Key history of the contract's own objects through Fabric's getHistoryForKey: every committed version of one
 * composite key, newest first (Fabric >= 2.0 order), deletes included, each with the writing transaction's id
 * and timestamp. The key is named by its object type and attributes, e.g. ("shipment", "037612345000000014")
 * or ("disposition", '["lot","07612345678900","L1"]'); on the ledger it is the composite key
 * U+0000 type U+0000 attr1 U+0000 ... attrN U+0000 (what `coldtrail ledger history` takes).
 *
 * Fabric's history iterator has no pages; this query pages it: `bookmark` is the txId of the first entry of
 * the next page ('' = from the newest / no more). History reads are not validated at commit (Fabric keeps them
 * out of the read set), so this is a query, not input to a ledger update.
 */
const OBJECT_TYPE = /^[a-z][a-z0-9]{0,31}$/;

export function historyKey(ctx: Context, objectType: string, attributesArg: string): string {
  if (!OBJECT_TYPE.test(objectType)) invalid('objectType must be a contract object type such as shipment');
  let attributes: unknown;
  if (attributesArg.startsWith('[')) {
    attributes = v.jsonValue(attributesArg, 'attributes');
  } else {
    attributes = [attributesArg];
  }
  if (
    !Array.isArray(attributes) ||
    attributes.length === 0 ||
    !attributes.every((a) => typeof a === 'string' && a !== '' && !a.includes('\u0000'))
  ) {
    invalid(
      'attributes must be one non-empty attribute or a JSON array of them, e.g. ["lot","07612345678900","L1"]',
    );
  }
  return ctx.stub.createCompositeKey(objectType, attributes as string[]);
}

export async function getHistory(
  ctx: Context,
  objectType: string,
  attributesArg: string,
  pageSize: number,
  bookmark: string,
): Promise<LedgerPage<KeyHistoryEntry>> {
  const key = historyKey(ctx, objectType, attributesArg);
  const records: KeyHistoryEntry[] = [];
  let started = bookmark === '';
  let next = '';
  const iterator = await ctx.stub.getHistoryForKey(key);
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      const m = r.value;
      if (!started) started = m.txId === bookmark;
      if (!started) continue;
      if (records.length === pageSize) {
        next = m.txId;
        break;
      }
      const seconds = Number(String(m.timestamp.seconds));
      const millis = seconds * 1000 + Math.floor(m.timestamp.nanos / 1_000_000);
      const text = Buffer.from(m.value).toString('utf8');
      records.push({
        txId: m.txId,
        timestamp: new Date(millis).toISOString(),
        isDelete: m.isDelete,
        value: m.isDelete || text === '' ? null : JSON.parse(text),
      });
    }
  } finally {
    await iterator.close();
  }
  if (!started) invalid('bookmark is not one this query returned: pass the previous page\'s bookmark, or ""');
  return { records, fetchedRecordsCount: records.length, bookmark: next };
}
