import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ColdtrailError, ErrorCode } from './errors.js';
import { HEX64_PATTERN } from './patterns.js';

/**
 * Device keys are Ed25519 (RFC 8032). Encoding, fixed for third-party verifiers:
 * - public key: the raw 32-byte key as 64 lowercase hex characters;
 * - signature: the raw 64-byte signature as 128 lowercase hex characters.
 */
export type PublicKeyHex = string;

/** Signs a message (already canonical bytes). Plain function type so tests and HSMs can supply their own. */
export type Signer = (message: Uint8Array) => Promise<Uint8Array> | Uint8Array;
/** Verifies an Ed25519 signature over a message. */
export type Verifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

const HEX_SIG = /^[0-9a-f]{128}$/;

export function isPublicKeyHex(value: unknown): value is PublicKeyHex {
  return typeof value === 'string' && HEX64_PATTERN.test(value);
}

export function isSignatureHex(value: unknown): value is string {
  return typeof value === 'string' && HEX_SIG.test(value);
}

export function parsePublicKey(hex: string): Uint8Array {
  if (!isPublicKeyHex(hex)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      'public key must be 64 lowercase hex characters (raw Ed25519)',
    );
  }
  return hexToBytes(hex);
}

/** Pure-JS Ed25519 verification (@noble/curves): runs unchanged in Node, browsers and chaincode. */
export const verifyEd25519: Verifier = (publicKey, message, signature) => {
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
};

/** A pure-JS signer from a 32-byte Ed25519 seed. Services prefer node:crypto for throughput. */
export function nobleSigner(secretKey: Uint8Array): Signer {
  return (message) => ed25519.sign(message, secretKey);
}

export function publicKeyFromSecret(secretKey: Uint8Array): PublicKeyHex {
  return bytesToHex(ed25519.getPublicKey(secretKey));
}
