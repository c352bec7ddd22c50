import { createHash, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@coldtrail/core';
import { signLowS } from './ecdsa.js';

/**
 * What the embedded ledger stores, modelled on Fabric's block structure: a transaction carries its creator,
 * the invoked function and arguments, the chaincode response, the read/write set from simulation and the one
 * chaincode event, signed by the creator; a block holds an ordered list of transactions, each with the
 * validation code given at commit, and a header {number, prevHash, dataHash, timestamp} whose hash the next
 * block links to and which the node signs. Everything hashed or signed is RFC 8785 canonical JSON.
 */

/** State version: the block and transaction index that last wrote a key (Fabric's ledger height). */
export interface Version {
  block: number;
  tx: number;
}

export interface KeyRead {
  key: string;
  /** null: the key did not exist when read. */
  version: Version | null;
}

export interface RangeRead {
  start: string;
  /** '' = unbounded. */
  end: string;
  reads: KeyRead[];
}

export interface KeyWrite {
  key: string;
  /** Base64 value; null deletes the key. */
  value: string | null;
}

export interface RwSet {
  reads: KeyRead[];
  ranges: RangeRead[];
  writes: KeyWrite[];
}

export interface TxPayload {
  channel: string;
  txId: string;
  /** Hex; txId = SHA-256(nonce || creator) as in Fabric. */
  nonce: string;
  timestamp: string;
  creator: { mspid: string; certificate: string };
  fn: string;
  args: string[];
  response: { status: number; payload: string };
  rwset: RwSet;
  event: { name: string; payload: string } | null;
}

export interface SignedTx {
  payload: TxPayload;
  /** Creator's ECDSA P-256 signature over canonical(payload), hex r||s, low-S. */
  signature: string;
}

/**
 * The stored envelope of `payload` signed with `key`: canonical JSON of a SignedTx. canonical(payload) is
 * encoded once, as both what is signed and the envelope's first member ("payload" sorts before "signature").
 */
export function signedEnvelope(payload: TxPayload, key: KeyObject): string {
  const body = canonicalJson(payload);
  return `{"payload":${body},"signature":${canonicalJson(signLowS(key, body))}}`;
}

export const ValidationCode = {
  Valid: 'VALID',
  MvccReadConflict: 'MVCC_READ_CONFLICT',
  PhantomReadConflict: 'PHANTOM_READ_CONFLICT',
} as const;
export type ValidationCode = (typeof ValidationCode)[keyof typeof ValidationCode];

export interface BlockHeader {
  number: number;
  prevHash: string;
  dataHash: string;
  timestamp: string;
}

/** One transaction as stored in a block: the exact envelope text (canonical JSON of a SignedTx) and its code. */
export interface BlockEntry {
  envelope: string;
  validationCode: string;
}

export const GENESIS_PREV_HASH = '0'.repeat(64);

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function creatorBytes(creator: TxPayload['creator']): string {
  return canonicalJson(creator);
}

export function computeTxId(nonceHex: string, creator: TxPayload['creator']): string {
  return createHash('sha256')
    .update(Buffer.from(nonceHex, 'hex'))
    .update(creatorBytes(creator))
    .digest('hex');
}

export function dataHash(entries: readonly BlockEntry[]): string {
  return sha256Hex(
    canonicalJson(entries.map((e) => ({ envelope: e.envelope, validationCode: e.validationCode }))),
  );
}

export function headerBytes(header: BlockHeader): string {
  return canonicalJson({
    number: header.number,
    prevHash: header.prevHash,
    dataHash: header.dataHash,
    timestamp: header.timestamp,
  });
}

export function blockHash(header: BlockHeader): string {
  return sha256Hex(headerBytes(header));
}

/** Composite keys hold U+0000 separators; show them as `type/attr/attr` in messages. */
export function displayKey(key: string): string {
  if (!key.startsWith('\u0000')) return key;
  return key
    .slice(1, key.endsWith('\u0000') ? -1 : undefined)
    .split('\u0000')
    .join('/');
}
