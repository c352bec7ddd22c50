import type { LedgerPage } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { invalid } from './errors.js';

/**
 * Paginated reads of the contract's lists over Fabric's getStateByPartialCompositeKeyWithPagination. Fabric's
 * bookmark is the next key to start from and contains U+0000, which a command-line argument cannot carry; so the
 * contract hands it out and takes it back as base64url of the key's UTF-8 bytes ('' = first page / no more
 * pages), and refuses a bookmark outside the list it pages. Fabric allows paginated queries in read-only
 * transactions only: these helpers serve the `@Transaction(false)` queries.
 */
export const MAX_PAGE_SIZE = 1000;

export function pageSizeArg(value: string, name = 'pageSize'): number {
  const n = Number(value);
  if (!/^[1-9][0-9]{0,3}$/.test(value) || n > MAX_PAGE_SIZE) {
    invalid(`${name} must be a decimal integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return n;
}

export function encodeBookmark(key: string): string {
  return key === '' ? '' : Buffer.from(key, 'utf8').toString('base64url');
}

/** The key a bookmark stands for, checked to lie under `prefix`. */
export function decodeBookmark(bookmark: string, prefix: string): string {
  if (bookmark === '') return '';
  const key = /^[A-Za-z0-9_-]+$/.test(bookmark) ? Buffer.from(bookmark, 'base64url').toString('utf8') : '';
  if (!key.startsWith(prefix) || key === prefix) {
    invalid(
      'bookmark is not one this query returned: pass the bookmark of the previous page, or "" for the first',
    );
  }
  return key;
}

/** One page of the JSON values under a partial composite key, in key order. */
export async function pageJson<T>(
  ctx: Context,
  objectType: string,
  attributes: string[],
  pageSize: number,
  bookmark: string,
): Promise<LedgerPage<T>> {
  const prefix = ctx.stub.createCompositeKey(objectType, attributes);
  const start = decodeBookmark(bookmark, prefix);
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    objectType,
    attributes,
    pageSize,
    start,
  );
  const records: T[] = [];
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      records.push(JSON.parse(Buffer.from(r.value.value).toString('utf8')) as T);
    }
  } finally {
    await iterator.close();
  }
  return {
    records,
    fetchedRecordsCount: metadata.fetchedRecordsCount,
    bookmark: encodeBookmark(metadata.bookmark),
  };
}
