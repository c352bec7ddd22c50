import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { canonicalJson } from './canonical.js';

/** Hex SHA-256 of 32 zero bytes' worth: the `prev` of a device's first record. */
export const GENESIS_HASH = '0'.repeat(64);

type NodeCrypto = typeof import('node:crypto');

/**
 * SHA-256 from node:crypto where the runtime has it (Node >= 20.16 hands built-ins out synchronously through
 * process.getBuiltinModule), else @noble/hashes: the same digest, so core runs unchanged in browsers and in
 * the chaincode bundle on older Node, and a server verifying 30 days of readings is not held up by pure-JS
 * hashing (~10x slower here).
 */
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

const encoder = new TextEncoder();

// crypto.hash (one-shot, Node >= 20.12) spares a Hash object per digest: Merkle trees hash two per leaf.
const oneShot = nodeCrypto && typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

export function sha256(data: Uint8Array): Uint8Array {
  if (oneShot) return oneShot('sha256', data, 'buffer') as unknown as Uint8Array;
  if (nodeCrypto) return new Uint8Array(nodeCrypto.createHash('sha256').update(data).digest());
  return nobleSha256(data);
}

export function sha256Hex(data: Uint8Array | string): string {
  if (oneShot) return oneShot('sha256', data, 'hex');
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(data).digest('hex');
  return bytesToHex(nobleSha256(typeof data === 'string' ? encoder.encode(data) : data));
}

/** SHA-256 (hex) of the RFC 8785 canonical form of a JSON value (UTF-8 bytes). */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export { bytesToHex, hexToBytes };
