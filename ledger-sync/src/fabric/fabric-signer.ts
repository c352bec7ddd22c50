/**
 * The Fabric client's signer on node:crypto (~0.04 ms a signature here against ~2.4 ms for fabric-gateway's
 * pure-JS `signers.newPrivateKeySigner`, DEPENDENCIES.md). fabric-gateway hashes a message and hands the
 * digest to its signer; node:crypto has no ECDSA sign over a digest computed elsewhere (`sign(null, ...)`
 * hashes again for an EC key), so the gateway is connected with `hash: hash.none` (a documented option: the
 * signer then receives the whole message) and this signer computes SHA-256 and signs in one node:crypto
 * call. What Fabric expects back is what the built-in signer returns: an ASN.1 DER `SEQUENCE { r, s }` with
 * low S (peers reject high-S signatures as malleable, FAB-5940).
 */
import type { KeyObject } from 'node:crypto';
import { hash, type Signer } from '@hyperledger/fabric-gateway';
import { signLowS } from '../ledger/ecdsa.js';

/** The `hash` option to pass to `connect()` together with this signer. */
export const FABRIC_SIGNER_HASH = hash.none;

/** Signs the full message (SHA-256, P-256, low-S), returning DER. */
export function nodeCryptoSigner(key: KeyObject): Signer {
  return (message) => Promise.resolve(p1363ToDer(Buffer.from(signLowS(key, message), 'hex')));
}

/** IEEE P1363 `r || s` (32 bytes each) -> DER `SEQUENCE { INTEGER r, INTEGER s }` (X.690 §8.3). */
export function p1363ToDer(sig: Uint8Array): Uint8Array {
  const half = sig.length / 2;
  const r = derInteger(sig.subarray(0, half));
  const s = derInteger(sig.subarray(half));
  // Short-form length: at most 2 * (2 + 33) = 70 bytes for P-256.
  return Uint8Array.from([0x30, r.length + s.length, ...r, ...s]);
}

function derInteger(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = [...bytes.subarray(i)];
  // A set high bit would read as negative: prefix a zero byte.
  if ((body[0] as number) & 0x80) body.unshift(0);
  return [0x02, body.length, ...body];
}
