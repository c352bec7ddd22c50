import { canonicalJson } from '@coldtrail/core';
import { z } from 'zod';
import { decodeFabricEnvelope, FABRIC_ENVELOPE_FORMAT, type FabricTx } from './fabric-envelope.js';
import type { SignedTx } from './ledger-records.js';

/** Shape of a stored transaction envelope; verification reads rows as hostile input. */
const hex = (len?: number) => z.string().regex(len ? new RegExp(`^[0-9a-f]{${len}}$`) : /^(?:[0-9a-f]{2})+$/);
const version = z.object({ block: z.number().int().nonnegative(), tx: z.number().int().nonnegative() });
const keyRead = z.object({ key: z.string(), version: version.nullable() });

const txPayload = z.object({
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
});

const signedTx = z.object({ payload: txPayload, signature: z.string() });

/** The second format: a Fabric envelope as the client signed it, with its decoded fields (fabric-envelope.ts). */
const fabricTx = z.object({
  format: z.literal(FABRIC_ENVELOPE_FORMAT),
  envelope: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
  payload: txPayload,
});

/** A parsed envelope; `fabric` is set for the Fabric format, whose `signature` is the envelope's (DER, hex). */
export type StoredTx = SignedTx & { fabric?: FabricTx };

/**
 * Parses an envelope; returns a reason instead when it is not a canonical, well-formed SignedTx (or, in the
 * Fabric format, when its envelope does not decode).
 */
export function parseEnvelope(text: string): StoredTx | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  if ((value as { format?: unknown } | null)?.format !== undefined) return parseFabric(value, text);
  const parsed = signedTx.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
  }
  if (canonicalJson(value) !== text) return 'is not in canonical (RFC 8785) form';
  return parsed.data;
}

function parseFabric(value: unknown, text: string): StoredTx | string {
  const parsed = fabricTx.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
  }
  if (canonicalJson(value) !== text) return 'is not in canonical (RFC 8785) form';
  let fabric: FabricTx;
  try {
    fabric = decodeFabricEnvelope(Buffer.from(parsed.data.envelope, 'base64'));
  } catch (err) {
    return `holds a Fabric envelope that does not decode: ${(err as Error).message}`;
  }
  const { payload } = parsed.data;
  return { payload, signature: Buffer.from(fabric.signature).toString('hex'), fabric };
}
