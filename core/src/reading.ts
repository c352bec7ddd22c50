import { ColdtrailError, ErrorCode } from './errors.js';
import { hashCanonical } from './hash.js';
import { ISO_MS_PATTERN, isHash, isIdentifier } from './patterns.js';

/** Record format version. */
export const RECORD_VERSION = 1;

/** What a record measures. Closed set; `fault` marks a failed read so "no data" never looks like "all fine". */
export const ReadingKind = {
  Temperature: 'temperature',
  Humidity: 'humidity',
  /** WGS 84 latitude from a GPS fix, decimal degrees, north positive. */
  Latitude: 'latitude',
  /** WGS 84 longitude from a GPS fix, decimal degrees, east positive. */
  Longitude: 'longitude',
  /** Speed over ground from a GPS fix. */
  Speed: 'speed',
  /** Door contact state: 1 open, 0 closed (recorded on every debounced edge and every poll). */
  Door: 'door',
  /** GPS (UTC) time minus the agent's wall clock at the same instant: the wall clock's drift. */
  ClockOffset: 'clock-offset',
  Fault: 'fault',
} as const;
export type ReadingKind = (typeof ReadingKind)[keyof typeof ReadingKind];
/** Every kind that carries a value. */
export type MeasuredKind = Exclude<ReadingKind, 'fault'>;

/**
 * UN/CEFACT Recommendation 20 common codes: CEL degree Celsius, P1 percent (relative humidity), DD degree
 * (angle), KMH kilometre per hour, C62 one (a dimensionless state), C26 millisecond.
 */
export const Unit = {
  Celsius: 'CEL',
  Percent: 'P1',
  Degree: 'DD',
  KilometrePerHour: 'KMH',
  One: 'C62',
  Millisecond: 'C26',
} as const;
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
  /** A GPS receiver that answers but has no position fix (RMC status V, GGA quality 0). */
  NoFix: 'no-fix',
  /** A DS18B20 that reported its power-on value (85 °C): no conversion happened (an all-zero scratchpad is garbage). */
  PowerOnValue: 'power-on-value',
  /** A sampling slot that was not sampled (process stalled, clock stepped): recorded, never skipped silently. */
  MissedSlot: 'missed-slot',
  /** The outbox is near or at its disk budget (see the agent's README for the policy). */
  DiskBudget: 'disk-budget',
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

/** A measured sample: each kind in its one unit (UNIT_OF). */
export type MeasuredSample = {
  [K in MeasuredKind]: { sensor: string; kind: K; value: number; unit: (typeof UNIT_OF)[K] };
}[MeasuredKind];

/** A sample before it is chained: what a SensorSource produces. */
export type Sample = MeasuredSample | { sensor: string; kind: 'fault'; fault: FaultCode; message?: string };

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
export const UNIT_OF = {
  temperature: Unit.Celsius,
  humidity: Unit.Percent,
  latitude: Unit.Degree,
  longitude: Unit.Degree,
  speed: Unit.KilometrePerHour,
  door: Unit.One,
  'clock-offset': Unit.Millisecond,
} as const satisfies Record<MeasuredKind, Unit>;

export function isMeasuredKind(kind: unknown): kind is MeasuredKind {
  return typeof kind === 'string' && Object.hasOwn(UNIT_OF, kind);
}
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
    if (o.unit !== UNIT_OF[o.kind as MeasuredKind])
      return `${o.kind} must be in ${UNIT_OF[o.kind as MeasuredKind]}`;
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
