import canonicalizeJcs from 'canonicalize';
import { ColdtrailError, ErrorCode } from './errors.js';

const encoder = new TextEncoder();

/**
 * RFC 8785 (JSON Canonicalization Scheme). Every byte string that is hashed or signed in coldtrail comes from
 * here, never from JSON.stringify: key order, number formatting and string escaping are all fixed by the RFC.
 */
export function canonicalJson(value: unknown): string {
  const out = (canonicalizeJcs as unknown as (v: unknown) => string | undefined)(value);
  if (typeof out !== 'string') {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      'value cannot be canonicalised as JSON (undefined or a function)',
    );
  }
  return out;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
