import { hash } from 'node:crypto';
import {
  ColdtrailError,
  canonicalJson,
  ErrorCode,
  FaultCode,
  isIdentifier,
  isMeasuredKind,
  RECORD_VERSION,
  ReadingKind,
  type ReadingRecord,
  type Sample,
  UNIT_OF,
} from '@coldtrail/core';
import { AGENT_SENSOR } from './agent-sensor.js';

/*
 * The outbox's hot path: per record it chains, encodes and hashes. Records are encoded by core's one RFC 8785
 * encoder (canonicalJson); chainSample builds them with their members already in canonical order, so the
 * encoder need not sort, and hashes them with node:crypto's one-shot SHA-256 rather than the pure-JS one core
 * carries for browsers and chaincode (bench/: `npm run bench -- outbox`). record-codec.test.ts proves the
 * records and hashes identical to core's makeRecord + hashRecord over valid and malformed samples.
 */

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
    if (isMeasuredKind(s?.kind)) {
      const value = s?.value;
      if (typeof value === 'number' && Number.isFinite(value) && s?.unit === UNIT_OF[s.kind]) {
        const { kind, unit } = sample as Extract<Sample, { value: number }>;
        return { device, kind, prev, sensor, seq, ts, unit, v: RECORD_VERSION, value } as ReadingRecord;
      }
    } else if (s?.kind === ReadingKind.Fault && FAULTS.has(s?.fault as string)) {
      const fault = s.fault as FaultCode;
      return faultRecord(device, seq, ts, sensor, prev, fault);
    }
  }
  const by = isIdentifier(sensor) ? sensor : AGENT_SENSOR;
  return faultRecord(device, seq, ts, by, prev, FaultCode.Garbage);
}

/** Members in RFC 8785 order (device, fault, kind, prev, sensor, seq, ts, unit, v, value). */
function faultRecord(
  device: string,
  seq: number,
  ts: string,
  sensor: string,
  prev: string,
  fault: FaultCode,
): ReadingRecord {
  return { device, fault, kind: 'fault', prev, sensor, seq, ts, unit: null, v: RECORD_VERSION, value: null };
}

/** RFC 8785 canonical JSON of a record (core's encoder; chainSample's member order spares it the sort). */
export function encodeRecord(r: ReadingRecord): string {
  return canonicalJson(r);
}

/** Hex SHA-256 of the UTF-8 bytes of `body`: node:crypto's one-shot hash (same digest as core's sha256Hex). */
export function sha256HexFast(body: string): string {
  return hash('sha256', body, 'hex');
}
