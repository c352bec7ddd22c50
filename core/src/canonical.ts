import { ColdtrailError, ErrorCode } from './errors.js';

const encoder = new TextEncoder();

/**
 * RFC 8785 (JSON Canonicalization Scheme), the one encoder of everything coldtrail hashes or signs — records,
 * batch headers, acks, anchors, ledger state — on the agent, the server and in the chaincode. Never
 * JSON.stringify on signed data.
 *
 * - Object members sorted by their names' UTF-16 code units (§3.2.3): what Array.prototype.sort does to
 *   strings. Members whose value is `undefined` are left out, as JSON.stringify does.
 * - Numbers as ECMAScript Number::toString (§3.2.2.3), -0 as 0; NaN and ±Infinity are not JSON: an error.
 * - Strings as JSON.stringify writes them (§3.2.2.2: the same minimal escapes). A lone surrogate is not
 *   I-JSON (RFC 7493 §2.1), so it is an error rather than an escape no other implementation would agree on.
 * - Only plain data: arrays, plain objects, strings, finite numbers, booleans, null. A Date, Map, class
 *   instance or anything with toJSON is refused, so no value can serialise differently on another runtime.
 *
 * Speed matters on the agent's hot path (bench/outbox-throughput.js): an object whose members are already in
 * canonical order is not sorted again, so a producer that builds its records in that order pays one pass.
 */
export function canonicalJson(value: unknown): string {
  try {
    return encode(value);
  } catch (err) {
    if (err instanceof NotCanonical) refuse(where(value, '$') ?? '$', err.message);
    throw err;
  }
}

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

/** Thrown on the fast path, which keeps no path; canonicalJson then finds where (a second, slow walk). */
class NotCanonical extends Error {}

function refuse(path: string, what: string): never {
  throw new ColdtrailError(ErrorCode.InvalidInput, `${path}: ${what} cannot be canonicalised (RFC 8785)`);
}

function problem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return LONE_SURROGATE.test(value) ? 'a string with a lone surrogate' : undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : String(value);
    case 'boolean':
      return undefined;
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined;
      const proto = Object.getPrototypeOf(value);
      if (
        (proto !== Object.prototype && proto !== null) ||
        typeof (value as { toJSON?: unknown }).toJSON === 'function'
      ) {
        return `a ${proto?.constructor?.name ?? 'non-plain'} object`;
      }
      return undefined;
    }
    default:
      return typeof value;
  }
}

/** The path of the first value that cannot be encoded. */
function where(value: unknown, path: string): string | undefined {
  if (problem(value) !== undefined) return path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const at = `${path}[${i}]`;
      const found = v === undefined ? at : where(v, at);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const at = `${path}.${k}`;
      const found = v === undefined ? undefined : LONE_SURROGATE.test(k) ? at : where(v, at);
      if (found) return found;
    }
  }
  return undefined;
}

function encode(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NotCanonical(String(value));
      return value === 0 ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return encodeArray(value);
      return encodeObject(value as Record<string, unknown>);
    default:
      throw new NotCanonical(typeof value);
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function encodeString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`; // printable ASCII but " and \: nothing to escape (the common case, fast)
  const out = JSON.stringify(s);
  // Well-formed JSON.stringify escapes a lone surrogate, so a string that needed no escape has none.
  if (out.length !== s.length + 2 && LONE_SURROGATE.test(s)) {
    throw new NotCanonical('a string with a lone surrogate');
  }
  return out;
}

function encodeArray(a: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v === undefined) throw new NotCanonical('undefined');
    out += i > 0 ? `,${encode(v)}` : encode(v);
  }
  return `${out}]`;
}

function encodeObject(o: Record<string, unknown>): string {
  const proto = Object.getPrototypeOf(o);
  if ((proto !== Object.prototype && proto !== null) || typeof o.toJSON === 'function') {
    throw new NotCanonical(`a ${proto?.constructor?.name ?? 'non-plain'} object`);
  }
  const keys = Object.keys(o);
  if (!sorted(keys)) keys.sort();
  let out = '{';
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${encodeKey(k)}${encode(v)}`;
  }
  return `${out}}`;
}

/** Member names repeat (every record has the same ten): their encoded form is kept, up to a bound. */
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 4096;

function encodeKey(k: string): string {
  let out = KEY_CACHE.get(k);
  if (out === undefined) {
    out = `${encodeString(k)}:`;
    if (KEY_CACHE.size < KEY_CACHE_MAX) KEY_CACHE.set(k, out);
  }
  return out;
}

function sorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}
