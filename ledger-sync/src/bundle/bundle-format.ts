import { isUtf8 } from 'node:buffer';
import {
  anchorEntrySchema,
  ColdtrailError,
  custodyEventSchema,
  deviceEntrySchema,
  ErrorCode,
  excursionEntrySchema,
  HEX64_PATTERN,
  ISO_MS_PATTERN,
  type ReadingRecord,
  recordProblem,
  shipmentEntrySchema,
} from '@coldtrail/core';
import { z } from 'zod';

/**
 * The offline provenance bundle (docs/bundle-format.md): one JSON document holding everything needed to check
 * a shipment's provenance answer with no database and no network. Nothing in it is trusted: every hash is
 * recomputed from the fields it covers, so a bundle only has to carry the data, not the verdict.
 */
export const BUNDLE_FORMAT = 'coldtrail.provenance-bundle' as const;
export const BUNDLE_VERSION = 1 as const;

/**
 * Limits on hostile input. A 30-day shipment of four probes at one reading a minute is ~170,000 readings and
 * ~60 MB; the caps leave room for a year of one probe at a reading a minute, and refuse anything that would
 * exhaust memory before its schema is even checked.
 */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;
export const MAX_BUNDLE_RECORDS = 2_000_000;
export const MAX_BUNDLE_BLOCKS = 1_000_000;

const hex64 = z.string().regex(HEX64_PATTERN);
const iso = z.string().regex(ISO_MS_PATTERN);
const seq = z.number().int().nonnegative();

const batchSchema = z.strictObject({
  fromSeq: seq,
  toSeq: seq,
  prev: hex64,
  head: hex64,
  sig: z.string().regex(/^[0-9a-f]{128}$/),
  receivedAt: iso,
});

/**
 * One reading: `record`, the record as an object with its fields (RFC 8785 canonical JSON of it is what is
 * hashed), and `hash`, the writer's claim of that hash, which the verifier recomputes and names any record whose
 * claim differs. Exactly these two members.
 */
function readingProblem(source: string, r: unknown, i: number): void {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    throw notABundle(source, `readings.${i}: expected an object`);
  }
  const o = r as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'record' && k !== 'hash') throw notABundle(source, `readings.${i}: unknown member "${k}"`);
  }
  if (typeof o.hash !== 'string' || !HEX64_PATTERN.test(o.hash)) {
    throw notABundle(source, `readings.${i}.hash: expected 64 lowercase hex digits`);
  }
  const problem = recordProblem(o.record);
  if (problem) throw notABundle(source, `readings.${i}.record: ${problem}`);
}

const txSchema = z.strictObject({
  txId: hex64,
  index: z.number().int().nonnegative(),
  /** The exact envelope text as stored in the block (canonical JSON of the signed transaction). */
  envelope: z.string(),
  validationCode: z.string(),
});

const blockSchema = z.strictObject({
  number: z.number().int().nonnegative(),
  prevHash: hex64,
  dataHash: hex64,
  timestamp: z.string(),
  hash: hex64,
  /** The node's ECDSA P-256 signature over the header (hex r||s). */
  signature: z.string(),
  /** Every transaction of the block (its dataHash covers them all); absent for blocks carried only to link. */
  transactions: z.array(txSchema).optional(),
});

const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  v: z.literal(BUNDLE_VERSION),
  writtenAt: iso,
  sscc: z.string().regex(/^\d{18}$/),
  shipment: shipmentEntrySchema,
  device: deviceEntrySchema,
  previous: shipmentEntrySchema.nullable(),
  next: shipmentEntrySchema.nullable(),
  custody: z.array(custodyEventSchema),
  anchors: z.array(anchorEntrySchema),
  excursions: z.array(excursionEntrySchema),
  range: z.strictObject({ fromSeq: seq, toSeq: seq, complete: z.boolean() }),
  batches: z.array(batchSchema),
  /** Checked by readingProblem (below the schema, for speed). */
  readings: z.array(z.never()).max(0),
  ledger: z.strictObject({
    kind: z.literal('embedded'),
    /** PEM X.509 certificate of the node that signs the blocks. */
    nodeCertificate: z
      .string()
      .min(1)
      .max(64 * 1024),
    tip: z.strictObject({ number: seq, hash: hex64, timestamp: z.string() }),
    /** Every block from the genesis block (0) up to the tip, consecutive. */
    blocks: z.array(blockSchema).min(1).max(MAX_BUNDLE_BLOCKS),
  }),
});

export type ProvenanceBundle = Omit<z.infer<typeof bundleSchema>, 'readings'> & {
  readings: { record: ReadingRecord; hash: string }[];
};
export type BundleBlock = z.infer<typeof blockSchema>;
export type BundleTx = z.infer<typeof txSchema>;
export type BundleBatch = z.infer<typeof batchSchema>;

/** Why a file is not a bundle (exit 2), as opposed to a bundle that fails verification (exit 3). */
function notABundle(source: string, why: string): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.InvalidInput,
    `${source} is not a coldtrail provenance bundle: ${why}; write one with \`coldtrail provenance <sscc> --bundle FILE\``,
  );
}

/**
 * Parses a bundle's bytes: size cap, UTF-8 JSON, format id and version, then the full schema, each reading
 * shape-checked as core's ingest checks records (recordProblem). Hostile input: the first problem is an
 * INVALID_INPUT naming its JSON path, never an exception from deeper down.
 */
export function parseBundle(bytes: Uint8Array, source = 'the bundle'): ProvenanceBundle {
  if (bytes.byteLength > MAX_BUNDLE_BYTES) {
    throw notABundle(source, `it is ${bytes.byteLength} bytes; the limit is ${MAX_BUNDLE_BYTES}`);
  }
  // isUtf8 (C++) and Buffer decoding: a fatal TextDecoder costs ~0.5 s on a 60 MB bundle.
  if (!isUtf8(bytes)) throw notABundle(source, 'it is not UTF-8 JSON');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw notABundle(source, 'it is not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw notABundle(source, 'it is not a JSON object');
  }
  const head = value as { format?: unknown; v?: unknown; readings?: unknown };
  if (head.format !== BUNDLE_FORMAT) {
    throw notABundle(
      source,
      `its format is ${JSON.stringify(head.format) ?? 'missing'}, not "${BUNDLE_FORMAT}"`,
    );
  }
  if (head.v !== BUNDLE_VERSION) {
    throw notABundle(
      source,
      `version ${JSON.stringify(head.v)} is not supported (this coldtrail reads v${BUNDLE_VERSION})`,
    );
  }
  // The readings are checked by hand (core's recordProblem, as the ingest checks them): through the schema
  // library 170,000 of them cost most of a second.
  const readings = head.readings;
  if (!Array.isArray(readings)) throw notABundle(source, 'readings: expected an array');
  if (readings.length > MAX_BUNDLE_RECORDS) {
    throw notABundle(source, `readings: more than ${MAX_BUNDLE_RECORDS} readings`);
  }
  for (let i = 0; i < readings.length; i++) readingProblem(source, readings[i], i);
  const parsed = bundleSchema.safeParse({ ...head, readings: [] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw notABundle(source, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const bundle = { ...parsed.data, readings: readings as ProvenanceBundle['readings'] };
  return bundle;
}
