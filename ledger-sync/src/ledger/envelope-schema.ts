import { canonicalJson } from '@coldtrail/core';
import { z } from 'zod';
import type { SignedTx } from './ledger-records.js';

/** Shape of a stored transaction envelope; verification reads rows as hostile input. */
const hex = (len?: number) => z.string().regex(len ? new RegExp(`^[0-9a-f]{${len}}$`) : /^(?:[0-9a-f]{2})+$/);
const version = z.object({ block: z.number().int().nonnegative(), tx: z.number().int().nonnegative() });
const keyRead = z.object({ key: z.string(), version: version.nullable() });

const signedTx = z.object({
  payload: z.object({
    channel: z.string(),
    txId: hex(64),
    nonce: hex(),
    timestamp: z.string(),
    creator: z.object({ mspid: z.string(), certificate: z.string() }),
    fn: z.string(),
    args: z.array(z.string()),
    response: z.object({ status: z.number().int(), payload: z.string() }),
    rwset: z.object({
      reads: z.array(keyRead),
      ranges: z.array(z.object({ start: z.string(), end: z.string(), reads: z.array(keyRead) })),
      writes: z.array(z.object({ key: z.string(), value: z.string().nullable() })),
    }),
    event: z.object({ name: z.string(), payload: z.string() }).nullable(),
  }),
  signature: z.string(),
});

/** Parses an envelope; returns a reason instead when it is not a canonical, well-formed SignedTx. */
export function parseEnvelope(text: string): SignedTx | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  const parsed = signedTx.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
  }
  if (canonicalJson(value) !== text) return 'is not in canonical (RFC 8785) form';
  return parsed.data;
}
