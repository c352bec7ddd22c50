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
export const verifyEd25519Noble: Verifier = (publicKey, message, signature) => {
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
};

type NodeCrypto = typeof import('node:crypto');
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
/** DER SubjectPublicKeyInfo prefix of a raw Ed25519 key (RFC 8410 §4): SEQUENCE { id-Ed25519 } BIT STRING. */
const SPKI_ED25519 = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const KEY_CACHE_MAX = 4096;
const nodeKeys = new Map<string, import('node:crypto').KeyObject>();

function nodeVerify(crypto: NodeCrypto): Verifier {
  return (publicKey, message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const hex = bytesToHex(publicKey);
    try {
      let key = nodeKeys.get(hex);
      if (!key) {
        key = crypto.createPublicKey({
          key: Buffer.concat([SPKI_ED25519, publicKey]),
          format: 'der',
          type: 'spki',
        });
        if (nodeKeys.size >= KEY_CACHE_MAX) nodeKeys.clear();
        nodeKeys.set(hex, key);
      }
      return crypto.verify(null, message, key, signature);
    } catch {
      return false;
    }
  };
}

/**
 * Ed25519 verification: node:crypto (OpenSSL, RFC 8032) where the runtime has it — ~15x the pure-JS rate here,
 * which a provenance of a lot over 100 pallets (a batch signature per pallet) or an ingest under load feels —
 * else @noble/curves, so core still runs unchanged in browsers and the chaincode bundle. Both accept exactly
 * the signatures any RFC 8032 signer makes; keys.test.ts holds them to the same answers on valid, altered and
 * foreign signatures.
 */
export const verifyEd25519: Verifier = nodeCrypto ? nodeVerify(nodeCrypto) : verifyEd25519Noble;

/** A pure-JS signer from a 32-byte Ed25519 seed. Services prefer node:crypto for throughput. */
export function nobleSigner(secretKey: Uint8Array): Signer {
  return (message) => ed25519.sign(message, secretKey);
}

export function publicKeyFromSecret(secretKey: Uint8Array): PublicKeyHex {
  return bytesToHex(ed25519.getPublicKey(secretKey));
}

/**
 * The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE { SEQUENCE { OID 1.3.101.112 },
 * BIT STRING (0 unused bits) } around the raw 32-byte key. Fixed length, so a key is prefix + key.
 */
const ED25519_SPKI_PREFIX = hexToBytes('302a300506032b6570032100');
/** Text around the block is ignored, as OpenSSL does (RFC 7468 §2), so `agent init`'s whole output reads. */
const PEM_PUBLIC = /-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END PUBLIC KEY-----/;

/**
 * A raw Ed25519 public key as PEM SPKI text (`-----BEGIN PUBLIC KEY-----`, RFC 7468 §13 + RFC 8410), the form
 * `coldtrail agent init` prints and `coldtrail device enroll --public-key` reads; OpenSSL reads it too.
 */
export function publicKeyPem(hex: PublicKeyHex): string {
  const der = new Uint8Array(ED25519_SPKI_PREFIX.length + 32);
  der.set(ED25519_SPKI_PREFIX);
  der.set(parsePublicKey(hex), ED25519_SPKI_PREFIX.length);
  const b64 = btoa(String.fromCharCode(...der));
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/** The raw hex public key of PEM SPKI text from `publicKeyPem` (or OpenSSL); INVALID_INPUT for anything else. */
export function publicKeyFromPem(pem: string): PublicKeyHex {
  const bad = (why: string) =>
    new ColdtrailError(
      ErrorCode.InvalidInput,
      `public key is not an Ed25519 PEM public key (${why}); give the text that \`coldtrail agent init\` printed`,
    );
  const m = PEM_PUBLIC.exec(pem);
  if (!m?.[1]) throw bad('expected -----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----');
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(m[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    throw bad('the base64 inside does not decode');
  }
  const prefixOk = ED25519_SPKI_PREFIX.every((b, i) => der[i] === b);
  if (der.length !== ED25519_SPKI_PREFIX.length + 32 || !prefixOk) throw bad('not an Ed25519 key');
  return bytesToHex(der.subarray(ED25519_SPKI_PREFIX.length));
}
