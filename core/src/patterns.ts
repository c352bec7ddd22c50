/**
 * The lexical rules every coldtrail shape uses, defined once: the agent, the ingest, the ledger client and the
 * chaincode all check identifiers, hashes and times with these.
 */

/** Device, sensor, org and profile identifiers: safe inside MQTT topics and ledger keys. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A SHA-256 (or a raw Ed25519 public key) as 64 lowercase hex characters. */
export const HEX64_PATTERN = /^[0-9a-f]{64}$/;
/** UTC ISO-8601 with milliseconds, as Date.prototype.toISOString writes it: 2026-01-31T12:00:00.000Z. */
export const ISO_MS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const IDENTIFIER_RULE = '1-64 of A-Z a-z 0-9 . _ -, starting alphanumeric';

export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER_PATTERN.test(value);
}

export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HEX64_PATTERN.test(value);
}

/** Epoch milliseconds of an ISO-ms time that round-trips exactly (no 2026-02-30), else undefined. */
export function isoMillis(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_MS_PATTERN.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 && new Date(ms).toISOString() === value ? ms : undefined;
}

export function isIsoMillis(value: unknown): value is string {
  return isoMillis(value) !== undefined;
}
