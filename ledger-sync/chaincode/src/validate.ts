import {
  gs1CheckDigit,
  HEX64_PATTERN,
  IDENTIFIER_PATTERN,
  IDENTIFIER_RULE,
  isoMillis as isoMillisOf,
} from '@coldtrail/core';
import { invalid } from './errors.js';

/**
 * Argument validation. Every transaction argument arrives as a string from an untrusted client, so each one is
 * parsed strictly here before it touches state: no coercion, no unknown fields, no silent defaults.
 */
const SEQ_TEXT = /^[1-9][0-9]{0,15}$/;

/** Device and profile ids: the same rule as core's `isIdentifier` (safe in MQTT topics and ledger keys). */
export function identifier(value: unknown, name: string): string {
  if (typeof value !== 'string' || !IDENTIFIER_PATTERN.test(value)) {
    invalid(`${name} must be an identifier (${IDENTIFIER_RULE})`);
  }
  return value;
}

export function hex64(value: unknown, name: string): string {
  if (typeof value !== 'string' || !HEX64_PATTERN.test(value)) {
    invalid(`${name} must be 64 lowercase hex characters`);
  }
  return value;
}

/** SSCC (GS1 AI 00): 18 digits, the last one the GS1 check digit. */
export function sscc(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{18}$/.test(value)) {
    invalid('sscc must be 18 digits (GS1 SSCC)');
  }
  if (gs1CheckDigit(value.slice(0, 17)) !== Number(value.slice(17))) {
    invalid(`sscc ${value} has a wrong GS1 check digit`);
  }
  return value;
}

/** A sequence number (>= 1) given as a JSON number. */
export function seq(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    invalid(`${name} must be an integer >= 1`);
  }
  return value;
}

/** A sequence number given as a plain transaction argument: decimal digits only, no sign, exponent or spaces. */
export function seqArg(value: string, name: string): number {
  const n = Number(value);
  if (!SEQ_TEXT.test(value) || !Number.isSafeInteger(n)) invalid(`${name} must be a decimal integer >= 1`);
  return n;
}

/** Like seqArg, but 0 is allowed too (the end of an empty range starting at 1). */
export function seqOrZeroArg(value: string, name: string): number {
  return value === '0' ? 0 : seqArg(value, name);
}

export function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(`${name} must be a finite number`);
  return value;
}

export function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') invalid(`${name} must be true or false`);
  return value;
}

export function nonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(`${name} must be an integer >= 0`);
  }
  return value;
}

/** Free text (places, product names): 1-200 characters, no control characters. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || hasControl(value)) {
    invalid(`${name} must be 1-200 characters without control characters`);
  }
  return value;
}

/** UTC ISO-8601 with milliseconds, e.g. 2025-01-31T12:00:00.000Z; returns epoch milliseconds. */
export function isoMillis(value: unknown, name: string): number {
  const ms = isoMillisOf(value);
  if (ms === undefined) {
    invalid(`${name} must be a UTC ISO-8601 time with milliseconds, e.g. 2025-01-31T12:00:00.000Z`);
  }
  return ms;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(`${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Parses a JSON argument. */
export function jsonValue(arg: string, name: string): unknown {
  try {
    return JSON.parse(arg);
  } catch {
    invalid(`${name} must be a JSON object`);
  }
}

/** Parses a JSON object argument that must have exactly `fields` (no more, no fewer). */
export function jsonObject(arg: string, name: string, fields: readonly string[]): Record<string, unknown> {
  return exactObject(jsonValue(arg, name), name, fields);
}

export function exactObject(
  value: unknown,
  name: string,
  fields: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(`${name} must be a JSON object`);
  }
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !fields.includes(k));
  if (extra.length > 0) invalid(`${name} has unknown field(s): ${extra.join(', ')}`);
  const missing = fields.filter((k) => !(k in o));
  if (missing.length > 0) invalid(`${name} lacks field(s): ${missing.join(', ')}`);
  return o;
}

/** An object with every `required` field and any of the `optional` ones, nothing else. */
export function objectWith(
  value: unknown,
  name: string,
  required: readonly string[],
  optional: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(`${name} must be a JSON object`);
  }
  const present = Object.keys(value).filter((k) => optional.includes(k));
  return exactObject(value, name, [...required, ...present]);
}

/** An optional declared event time: UTC ISO-8601 with milliseconds, not after the transaction time. */
export function eventTime(value: unknown, name: string, txMillis: number): string | null {
  if (value === undefined || value === null) return null;
  const ms = isoMillis(value, name);
  if (ms > txMillis) {
    invalid(`${name} ${String(value)} is after the transaction time ${new Date(txMillis).toISOString()}`);
  }
  return value as string;
}
