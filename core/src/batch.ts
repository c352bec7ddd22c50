import { canonicalBytes } from './canonical.js';
import { ColdtrailError, ErrorCode } from './errors.js';
import { bytesToHex, hexToBytes } from './hash.js';
import { isSignatureHex, parsePublicKey, type Signer, type Verifier, verifyEd25519 } from './keys.js';
import { isHash, isIdentifier } from './patterns.js';
import { assertRecord, chainHashes, type ReadingRecord } from './reading.js';

/** Most records one batch may carry; larger backlogs travel as several batches. */
export const MAX_BATCH_RECORDS = 5000;
/** Largest batch payload accepted off the wire (bytes). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * The unit of transport and signing. Records carry no signature of their own: each one is hash-chained up to
 * `head`, and the device signs the header below, so any record verifies through the chain.
 */
export interface Batch {
  device: string;
  fromSeq: number;
  toSeq: number;
  records: ReadingRecord[];
  /** Hex SHA-256 of the last record. */
  head: string;
  /** Hex Ed25519 signature over the canonical BatchHeader. */
  sig: string;
}

/**
 * What the device signs: RFC 8785 canonical JSON of exactly these fields.
 * `prev` is the `prev` of the first record, so consecutive batches link and a verifier holding only headers
 * can check continuity.
 */
export interface BatchHeader {
  type: 'coldtrail/batch-header';
  v: 1;
  device: string;
  fromSeq: number;
  toSeq: number;
  prev: string;
  head: string;
}

export function batchHeader(
  b: Pick<Batch, 'device' | 'fromSeq' | 'toSeq' | 'head'> & { prev: string },
): BatchHeader {
  return {
    type: 'coldtrail/batch-header',
    v: 1,
    device: b.device,
    fromSeq: b.fromSeq,
    toSeq: b.toSeq,
    prev: b.prev,
    head: b.head,
  };
}

/** The device's signature (hex) over a batch header: Ed25519 over its RFC 8785 bytes. */
export async function signBatchHeader(header: BatchHeader, signer: Signer): Promise<string> {
  return bytesToHex(await signer(canonicalBytes(header)));
}

/**
 * Whether `sig` is the device's signature over `header`. A malformed signature or key is simply not a valid
 * signature (false), never an exception: the caller reports which batch failed.
 */
export function batchSignatureValid(
  header: BatchHeader,
  sig: string,
  publicKeyHex: string,
  verify: Verifier = verifyEd25519,
): boolean {
  try {
    return (
      isSignatureHex(sig) && verify(parsePublicKey(publicKeyHex), canonicalBytes(header), hexToBytes(sig))
    );
  } catch {
    return false;
  }
}

/** Builds and signs a batch from already-chained records (non-empty, consecutive). */
export async function signBatch(
  records: readonly ReadingRecord[],
  head: string,
  signer: Signer,
): Promise<Batch> {
  const first = records[0];
  const last = records.at(-1);
  if (!first || !last) throw new ColdtrailError(ErrorCode.InvalidInput, 'a batch needs at least one record');
  const header = batchHeader({
    device: first.device,
    fromSeq: first.seq,
    toSeq: last.seq,
    head,
    prev: first.prev,
  });
  return {
    device: first.device,
    fromSeq: first.seq,
    toSeq: last.seq,
    records: [...records],
    head,
    sig: await signBatchHeader(header, signer),
  };
}

/** Parses and shape-checks an untrusted batch payload. Throws INVALID_INPUT saying what is wrong. */
export function parseBatch(payload: Uint8Array | string): Batch {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_BATCH_BYTES) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `batch payload is ${size} bytes; the limit is ${MAX_BATCH_BYTES}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(
      typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: true }).decode(payload),
    );
  } catch (cause) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'batch payload is not valid UTF-8 JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'batch payload must be a JSON object');
  }
  const b = value as Record<string, unknown>;
  const bad = (m: string) => new ColdtrailError(ErrorCode.InvalidInput, `invalid batch: ${m}`);
  if (!isIdentifier(b.device)) throw bad('device must be an identifier');
  if (!Number.isSafeInteger(b.fromSeq) || !Number.isSafeInteger(b.toSeq))
    throw bad('fromSeq/toSeq must be integers');
  if (!Array.isArray(b.records) || b.records.length === 0) throw bad('records must be a non-empty array');
  if (b.records.length > MAX_BATCH_RECORDS) throw bad(`more than ${MAX_BATCH_RECORDS} records`);
  if ((b.toSeq as number) - (b.fromSeq as number) + 1 !== b.records.length) {
    throw bad('toSeq - fromSeq + 1 must equal the number of records');
  }
  if (!isHash(b.head)) throw bad('head must be a hex SHA-256');
  if (!isSignatureHex(b.sig)) throw bad('sig must be 128 hex characters');
  for (const r of b.records) assertRecord(r);
  return b as unknown as Batch;
}

/**
 * Verifies a batch on its own: every record belongs to the device, seqs run fromSeq..toSeq, the chain links
 * record to record up to `head`, and the signature over the header verifies with the device's public key.
 * `expectedPrev` (the head already held for this device) additionally checks continuity with earlier batches.
 */
export function verifyBatch(
  batch: Batch,
  publicKeyHex: string,
  options: { expectedPrev?: string; verify?: Verifier } = {},
): BatchHeader {
  return verifyBatchHashes(batch, publicKeyHex, options).header;
}

/** verifyBatch, also returning the hash of every record (in order), so the ingest hashes each record once. */
export function verifyBatchHashes(
  batch: Batch,
  publicKeyHex: string,
  options: { expectedPrev?: string; verify?: Verifier } = {},
): { header: BatchHeader; hashes: string[] } {
  const first = batch.records[0];
  if (!first) throw new ColdtrailError(ErrorCode.InvalidInput, 'batch has no records');
  for (const r of batch.records) {
    if (r.device !== batch.device) {
      throw new ColdtrailError(
        ErrorCode.BrokenChain,
        `record #${r.seq} belongs to ${r.device}, not ${batch.device}`,
      );
    }
  }
  if (first.seq !== batch.fromSeq) {
    throw new ColdtrailError(
      ErrorCode.BrokenChain,
      `first record is #${first.seq}, header says ${batch.fromSeq}`,
    );
  }
  if (options.expectedPrev !== undefined && first.prev !== options.expectedPrev) {
    throw new ColdtrailError(
      ErrorCode.BrokenChain,
      `batch ${batch.device}#${batch.fromSeq}-${batch.toSeq} does not continue the stored chain (prev mismatch)`,
    );
  }
  const hashes = chainHashes(batch.records, first.prev, batch.fromSeq - 1);
  if (hashes.at(-1) !== batch.head) {
    throw new ColdtrailError(
      ErrorCode.BrokenChain,
      `batch head does not match the hash of record #${batch.toSeq}`,
    );
  }
  const header = batchHeader({ ...batch, prev: first.prev });
  if (!batchSignatureValid(header, batch.sig, publicKeyHex, options.verify)) {
    throw new ColdtrailError(
      ErrorCode.BadSignature,
      `signature of batch ${batch.device}#${batch.fromSeq}-${batch.toSeq} does not verify with the registered key`,
    );
  }
  return { header, hashes };
}
