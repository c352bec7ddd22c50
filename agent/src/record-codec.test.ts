import {
  canonicalJson,
  FaultCode,
  GENESIS_HASH,
  hashRecord,
  isIdentifier,
  makeRecord,
  type ReadingRecord,
  recordProblem,
  type Sample,
  sha256Hex,
} from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { chainSample, encodeRecord, recordTs, sha256HexFast } from './record-codec.js';

/** The reference: core's makeRecord, and a garbage fault for anything recordProblem rejects. */
function reference(device: string, seq: number, ms: number, sample: Sample, prev: string): ReadingRecord {
  const r = sample === null ? undefined : makeRecord(device, seq, ms, sample, prev);
  if (r && recordProblem(r) === undefined) return r;
  const sensor = isIdentifier((sample as { sensor?: unknown })?.sensor) ? sample.sensor : 'agent';
  return makeRecord(device, seq, ms, { sensor, kind: 'fault', fault: FaultCode.Garbage }, prev);
}

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = [0, -0, 1, -1, 4.5, -12.25, 0.1 + 0.2, 1e21, 1e-7, 123456789.123, -40, 85, 2 ** 53, 5e-324];
const HOSTILE: unknown[] = [
  { sensor: 'probe-1', kind: 'temperature', value: Number.NaN, unit: 'CEL' },
  { sensor: 'probe-1', kind: 'temperature', value: Number.POSITIVE_INFINITY, unit: 'CEL' },
  { sensor: 'probe-1', kind: 'temperature', value: '4.5', unit: 'CEL' },
  { sensor: 'probe-1', kind: 'temperature', value: 4.5, unit: 'K' },
  { sensor: 'probe-1', kind: 'temperature', value: 4.5, unit: 'P1' },
  { sensor: 'probe-1', kind: 'humidity', value: 45, unit: 'CEL' },
  { sensor: 'probe-1', kind: 'pressure', value: 4.5, unit: 'CEL' },
  { sensor: 'probe-1', kind: 'fault', fault: 'melted' },
  { sensor: 'probe-1', kind: 'fault' },
  { sensor: 'bad"sensor', kind: 'humidity', value: 50, unit: 'P1' },
  { sensor: 'x'.repeat(65), kind: 'humidity', value: 50, unit: 'P1' },
  { sensor: '\u2028', kind: 'fault', fault: 'crc' },
  { kind: 'humidity', value: 50, unit: 'P1' },
  {},
  null,
];

describe('record codec (the outbox hot path) is byte-identical to core', () => {
  it('chains, encodes and hashes like makeRecord + canonicalJson + hashRecord', () => {
    const rnd = prng(2026);
    const samples: Sample[] = [...HOSTILE] as Sample[];
    for (const value of VALUES) {
      samples.push({ sensor: 'probe-1', kind: 'temperature', value, unit: 'CEL' });
      samples.push({ sensor: 'rh_2.b-c', kind: 'humidity', value: -value, unit: 'P1' });
    }
    for (const fault of Object.values(FaultCode)) samples.push({ sensor: 'agent', kind: 'fault', fault });
    for (let i = 0; i < 2000; i++) {
      const value = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6);
      samples.push(
        rnd() < 0.5
          ? { sensor: `p${i % 7}`, kind: 'temperature', value, unit: 'CEL' }
          : { sensor: `p${i % 7}`, kind: 'humidity', value, unit: 'P1' },
      );
    }
    let prev = GENESIS_HASH;
    let seq = 0;
    for (const sample of samples) {
      seq++;
      const ms = Date.UTC(2026, 0, 1) + Math.floor(rnd() * 1e10) + rnd();
      const expected = reference('dev-1.a_b', seq, ms, sample, prev);
      const actual = chainSample('dev-1.a_b', seq, recordTs(ms), sample, prev);
      expect(actual).toEqual(expected);
      const body = encodeRecord(actual);
      expect(body).toBe(canonicalJson(expected));
      expect(sha256HexFast(body)).toBe(hashRecord(expected));
      expect(sha256HexFast(body)).toBe(sha256Hex(body));
      prev = hashRecord(expected);
    }
    expect(sha256HexFast('é€😀')).toBe(sha256Hex('é€😀')); // UTF-8, not UTF-16 or latin1
  });

  it('refuses a clock time that cannot be a record timestamp', () => {
    expect(recordTs(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(recordTs(1.9)).toBe('1970-01-01T00:00:00.001Z');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Date.UTC(10000, 0, 1), -1e15]) {
      expect(() => recordTs(bad)).toThrow(/cannot be a record timestamp/);
    }
  });
});
