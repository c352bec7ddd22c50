import { readFileSync, statSync } from 'node:fs';
import { isColdtrailError, parseGtin, type ShipmentItem } from '@coldtrail/core';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * `shipment create --contents FILE`: a JSON list of what the shipment carries, each item an SGTIN
 * `{"gtin","serial"}` or a lot line `{"gtin","lot","expiry":"YYYY-MM-DD","quantity"}` (chaincode contents.ts,
 * 1-1000 items). Read here, so the server never opens a path the caller named. GTINs are checked and padded to
 * 14 digits here (the ledger stores 14, and the ledger client checks that the stored shipment echoes the
 * request); the contract checks everything else (set-82 lots and serials, calendar dates, quantities,
 * duplicates) and names the item it refuses (`contents[2].lot ...`).
 */
const MAX_BYTES = 1024 * 1024;
const MAX_ITEMS = 1000;

export function readContentsFile(file: string): ShipmentItem[] {
  const fail = (why: string): never => {
    throw new ExitError(Exit.Usage, `--contents ${file}: ${why}`);
  };
  let text = '';
  try {
    if (statSync(file).size > MAX_BYTES) fail(`larger than ${MAX_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ExitError) throw err;
    fail(`cannot be read (${(err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(`is not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ITEMS) {
    return fail(
      `must be a JSON list of 1-${MAX_ITEMS} items, {"gtin","serial"} or {"gtin","lot","expiry","quantity"}`,
    );
  }
  return value.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return fail(`item ${i} is not an object ({"gtin","serial"} or {"gtin","lot","expiry","quantity"})`);
    }
    const gtin = (item as { gtin?: unknown }).gtin;
    if (typeof gtin !== 'string') return fail(`item ${i} has no "gtin" string`);
    try {
      return { ...(item as ShipmentItem), gtin: parseGtin(gtin) };
    } catch (err) {
      if (isColdtrailError(err)) fail(`item ${i}: ${err.message}`);
      throw err;
    }
  });
}
