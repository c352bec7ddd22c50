import { ColdtrailError, ErrorCode } from './errors.js';
import { hashCanonical } from './hash.js';
import { ISO_MS_PATTERN, isHash, isIdentifier } from './patterns.js';

/** Record format version. */
export const RECORD_VERSION = 1;

/** What a record measures. Closed set; `fault` marks a failed read so "no data" never looks like "all fine". */
export const ReadingKind = {
  Temperature: 'temperature',
  Humidity: 'humidity',
  Fault: 'fault',
} as const;
export type ReadingKind = (typeof ReadingKind)[keyof typeof ReadingKind];

/** UN/CEFACT common codes: CEL = degree Celsius, P1 = percent (relative humidity). */
export const Unit = { Celsius: 'CEL', Percent: 'P1' } as const;
export type Unit = (typeof Unit)[keyof typeof Unit];

/** Why a read failed. */
export const FaultCode = {
  Timeout: 'timeout',
  Crc: 'crc',
  Garbage: 'garbage',
  OutOfRange: 'out-of-range',
  Disconnected: 'disconnected',
  ModbusException: 'modbus-exception',
  IngestRefused: 'ingest-refused',
} as const;
export type FaultCode = (typeof FaultCode)[keyof typeof FaultCode];

/**
 * One sample, hash-chained to the previous record of the same device.
 * - `seq`: gap-free per-device counter starting at 1;
 * - `ts`: UTC ISO-8601 with milliseconds (`2026-01-01T00:00:00.000Z`);
 * - `value`/`unit`: null for faults; `fault` is present only on fault records;
 * - `prev`: hex SHA-256 of the previous record (GENESIS_HASH for seq 1).
 * The record's hash is SHA-256 of its RFC 8785 canonical JSON.
 */
export interface ReadingRecord {
  v: typeof RECORD_VERSION;
  device: string;
  seq: number;
  ts: string;
  sensor: string;
  kind: ReadingKind;
  value: number | null;
  unit: Unit | null;
  prev: string;
  fault?: FaultCode;
}

/** A sample before it is chained: what a SensorSource produces. */
export type Sample =
  | { sensor: string; kind: 'temperature'; value: number; unit: 'CEL' }
  | { sensor: string; kind: 'humidity'; value: number; unit: 'P1' }
  | { sensor: string; kind: 'fault'; fault: FaultCode; message?: string };

export function hashRecord(record: ReadingRecord): string {
  return hashCanonical(record);
}

/** Chains a sample onto the previous record (members in RFC 8785 order, so encoding it needs no sort). */
export function makeRecord(
  device: string,
  seq: number,
  ts: Date | number,
  sample: Sample,
  prev: string,
): ReadingRecord {
  const at = new Date(ts).toISOString();
  const { sensor } = sample;
  if (sample.kind === 'fault') {
    const { fault } = sample;
    return {
      device,
      fault,
      kind: 'fault',
      prev,
      sensor,
      seq,
      ts: at,
      unit: null,
      v: RECORD_VERSION,
      value: null,
    };
  }
  const { kind, value, unit } = sample;
  return { device, kind, prev, sensor, seq, ts: at, unit, v: RECORD_VERSION, value } as ReadingRecord;
}

const KINDS = new Set<string>(Object.values(ReadingKind));
/** Each measured kind has exactly one unit, so a value can never be read in the wrong scale. */
export const UNIT_OF = { temperature: Unit.Celsius, humidity: Unit.Percent } as const satisfies Record<
  Exclude<ReadingKind, 'fault'>,
  Unit
>;
const UNITS = new Set<string>(Object.values(Unit));
const FAULTS = new Set<string>(Object.values(FaultCode));
const KEYS = new Set(['v', 'device', 'seq', 'ts', 'sensor', 'kind', 'value', 'unit', 'prev', 'fault']);

/** Checks the shape of an untrusted record; returns the problem or undefined. */
export function recordProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'record is not an object';
  const o = r as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) return `unknown field "${k}"`;
  if (o.v !== RECORD_VERSION) return `unsupported record version ${String(o.v)}`;
  if (!isIdentifier(o.device)) return 'device must be an identifier';
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 1) return 'seq must be a positive integer';
  if (typeof o.ts !== 'string' || !ISO_MS_PATTERN.test(o.ts) || Number.isNaN(Date.parse(o.ts))) {
    return 'ts must be UTC ISO-8601 with milliseconds';
  }
  if (!isIdentifier(o.sensor)) return 'sensor must be an identifier';
  if (typeof o.kind !== 'string' || !KINDS.has(o.kind)) return `unknown kind ${String(o.kind)}`;
  if (!isHash(o.prev)) return 'prev must be a hex SHA-256';
  if (o.kind === 'fault') {
    if (o.value !== null || o.unit !== null) return 'fault records carry value and unit null';
    if (typeof o.fault !== 'string' || !FAULTS.has(o.fault)) return 'fault record needs a known fault code';
  } else {
    if (typeof o.value !== 'number' || !Number.isFinite(o.value)) return 'value must be a finite number';
    if (typeof o.unit !== 'string' || !UNITS.has(o.unit)) return `unknown unit ${String(o.unit)}`;
    if (o.unit !== UNIT_OF[o.kind as 'temperature' | 'humidity'])
      return `${o.kind} must be in ${UNIT_OF[o.kind as 'temperature' | 'humidity']}`;
    if ('fault' in o) return 'only fault records carry a fault code';
  }
  return undefined;
}

export function assertRecord(r: unknown): asserts r is ReadingRecord {
  const problem = recordProblem(r);
  if (problem) throw new ColdtrailError(ErrorCode.InvalidInput, `invalid reading record: ${problem}`);
}

/**
 * Verifies that records form an unbroken chain starting after `prev` (hash) and `prevSeq`.
 * Returns the hash of the last record. Throws BROKEN_CHAIN naming the first bad record.
 */
export function verifyChain(records: readonly ReadingRecord[], prev: string, prevSeq: number): string {
  return chainHashes(records, prev, prevSeq).at(-1) ?? prev;
}

/** verifyChain, returning every record's hash (in order), so a caller need not hash them again. */
export function chainHashes(records: readonly ReadingRecord[], prev: string, prevSeq: number): string[] {
  const hashes: string[] = [];
  let head = prev;
  let seq = prevSeq;
  for (const r of records) {
    if (r.seq !== seq + 1) {
      throw new ColdtrailError(
        ErrorCode.BrokenChain,
        `record ${r.device}#${r.seq}: expected seq ${seq + 1}`,
        {
          details: { device: r.device, seq: r.seq },
        },
      );
    }
    if (r.prev !== head) {
      throw new ColdtrailError(
        ErrorCode.BrokenChain,
        `record ${r.device}#${r.seq}: prev does not match the hash of record #${seq}`,
        { details: { device: r.device, seq: r.seq } },
      );
    }
    head = hashRecord(r);
    hashes.push(head);
    seq = r.seq;
  }
  return hashes;
}
