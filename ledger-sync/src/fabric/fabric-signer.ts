/**
 * The Fabric client's signer on node:crypto (~0.08 ms a signature here against ~2.3 ms for fabric-gateway's
 * pure-JS `signers.newPrivateKeySigner`, DEPENDENCIES.md). fabric-gateway hashes a message and hands the
 * digest to its signer; node:crypto has no ECDSA sign over a digest computed elsewhere (`sign(null, ...)`
 * hashes again for an EC key), so the gateway is connected with `hash: hash.none` (a documented option: the
 * signer then receives the whole message) and this signer computes SHA-256 and signs in one node:crypto
 * call. What Fabric expects back is what the built-in signer returns: an ASN.1 DER `SEQUENCE { r, s }` with
 * low S (peers reject high-S signatures as malleable, FAB-5940).
 */
import { type KeyObject, sign } from 'node:crypto';
import { hash, type Signer } from '@hyperledger/fabric-gateway';

/** The `hash` option to pass to `connect()` together with this signer. */
export const FABRIC_SIGNER_HASH = hash.none;

/** The P-256 group order n, and n / 2 rounded down (SEC 2 §2.4.2). */
const N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
const HALF_N = Buffer.from('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8', 'hex');

/** Signs the full message (SHA-256, P-256, low-S), returning DER. */
export function nodeCryptoSigner(key: KeyObject): Signer {
  return (message) => {
    const sig = sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
    lowS(sig.subarray(32));
    return Promise.resolve(p1363ToDer(sig));
  };
}

/** Replaces a 32-byte big-endian s > n/2 by n - s in place (both are valid; Fabric accepts only the low one). */
export function lowS(s: Uint8Array): void {
  if (Buffer.compare(s, HALF_N) <= 0) return;
  let borrow = 0;
  for (let i = 31; i >= 0; i--) {
    const d = (N[i] as number) - (s[i] as number) - borrow;
    borrow = d < 0 ? 1 : 0;
    s[i] = d & 0xff;
  }
}

/** IEEE P1363 `r || s` (32 bytes each) -> DER `SEQUENCE { INTEGER r, INTEGER s }` (X.690 §8.3). */
export function p1363ToDer(sig: Uint8Array): Uint8Array {
  const half = sig.length / 2;
  const r = derInteger(sig.subarray(0, half));
  const s = derInteger(sig.subarray(half));
  // Short-form length: at most 2 * (2 + 33) = 70 bytes for P-256.
  const out = new Uint8Array(2 + r.length + s.length);
  out[0] = 0x30;
  out[1] = r.length + s.length;
  out.set(r, 2);
  out.set(s, 2 + r.length);
  return out;
}

function derInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  // A set high bit would read as negative: prefix a zero byte.
  const pad = ((bytes[i] as number) & 0x80) !== 0 ? 1 : 0;
  const len = bytes.length - i + pad;
  const out = new Uint8Array(2 + len);
  out[0] = 0x02;
  out[1] = len;
  out.set(bytes.subarray(i), 2 + pad);
  return out;
}
