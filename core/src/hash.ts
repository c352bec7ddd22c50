import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { canonicalBytes } from './canonical.js';

/** Hex SHA-256 of 32 zero bytes' worth: the `prev` of a device's first record. */
export const GENESIS_HASH = '0'.repeat(64);

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(nobleSha256(typeof data === 'string' ? new TextEncoder().encode(data) : data));
}

/** SHA-256 (hex) of the RFC 8785 canonical form of a JSON value. */
export function hashCanonical(value: unknown): string {
  return bytesToHex(nobleSha256(canonicalBytes(value)));
}

export { bytesToHex, hexToBytes };
