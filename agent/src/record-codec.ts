import { hash } from 'node:crypto';
import {
  ColdtrailError,
  ErrorCode,
  FaultCode,
  isIdentifier,
  RECORD_VERSION,
  ReadingKind,
  type ReadingRecord,
  type Sample,
  UNIT_OF,
} from '@coldtrail/core';
import { AGENT_SENSOR } from './agent-sensor.js';

/*
 * The outbox's hot path: per record it chains, encodes and hashes. Doing that through core's generic
 * makeRecord + canonicalJson + @noble SHA-256 costs ~8.5 µs per record here, twice the durable insert itself
 * (bench/). This file does the same for the one fixed, flat record shape in ~0.6 µs; record-codec.test.ts
 * proves the bytes identical to core's (canonicalJson, hashRecord) over valid and malformed samples.
 */

const MEASURED_KINDS = new Set<string>([ReadingKind.Temperature, ReadingKind.Humidity]);
const FAULTS = new Set<string>(Object.values(FaultCode));
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The record's timestamp string, as core's makeRecord writes it; throws for a time it cannot encode. */
export function recordTs(ms: number): string {
  const date = new Date(ms); // as core's makeRecord: TimeClip truncates fractional milliseconds
  const ts = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  if (!ISO_MS.test(ts)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `clock time ${ms} cannot be a record timestamp`);
  }
  return ts;
}

/**
 * Core's makeRecord, plus the guard of recordProblem on the fields a sample controls: a malformed sample
 * becomes a `garbage` fault (of its sensor if that is a valid id, else of `agent`) so the chain only ever holds
 * records the ingest will accept. `device` is validated when the outbox opens, `ts` by recordTs, `prev` is ours.
 */
export function chainSample(
  device: string,
  seq: number,
  ts: string,
  sample: Sample,
  prev: string,
): ReadingRecord {
  const s = sample as Partial<Record<string, unknown>> | null;
  const sensor = s?.sensor;
  if (isIdentifier(sensor)) {
    if (MEASURED_KINDS.has(s?.kind as string)) {
      const value = s?.value;
      if (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        s?.unit === UNIT_OF[s?.kind as 'temperature' | 'humidity']
      ) {
        const { kind, unit } = sample as Extract<Sample, { value: number }>;
        return { v: RECORD_VERSION, device, seq, ts, sensor, prev, kind, value, unit } as ReadingRecord;
      }
    } else if (s?.kind === ReadingKind.Fault && FAULTS.has(s?.fault as string)) {
      const fault = s.fault as FaultCode;
      return {
        v: RECORD_VERSION,
        device,
        seq,
        ts,
        sensor,
        prev,
        kind: 'fault',
        value: null,
        unit: null,
        fault,
      };
    }
  }
  const by = isIdentifier(sensor) ? sensor : AGENT_SENSOR;
  return {
    v: RECORD_VERSION,
    device,
    seq,
    ts,
    sensor: by,
    prev,
    kind: 'fault',
    value: null,
    unit: null,
    fault: FaultCode.Garbage,
  };
}

/**
 * RFC 8785 canonical JSON of a record made by chainSample: members in code-unit order (device, fault, kind,
 * prev, sensor, seq, ts, unit, v, value); numbers as ECMAScript Number::toString, as RFC 8785 §3.2.2.3
 * prescribes (and as JSON.stringify and core's encoder write them). Strings are emitted without escaping, which
 * is exact only because chainSample lets nothing but identifiers, hex, ISO timestamps and fixed codes through:
 * characters that RFC 8785 §3.2.2.2 escapes cannot occur. Never call it on an unchecked record.
 */
export function encodeRecord(r: ReadingRecord): string {
  const fault = r.fault === undefined ? '' : `"fault":"${r.fault}",`;
  const unit = r.unit === null ? 'null' : `"${r.unit}"`;
  return (
    `{"device":"${r.device}",${fault}"kind":"${r.kind}","prev":"${r.prev}","sensor":"${r.sensor}",` +
    `"seq":${r.seq},"ts":"${r.ts}","unit":${unit},"v":${r.v},"value":${r.value}}`
  );
}

/** Hex SHA-256 of the UTF-8 bytes of `body`: node:crypto's one-shot hash (same digest as core's sha256Hex). */
export function sha256HexFast(body: string): string {
  return hash('sha256', body, 'hex');
}
