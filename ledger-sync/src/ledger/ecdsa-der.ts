import { type KeyObject, verify } from 'node:crypto';
import { P256_HALF_N as HALF_N, P256_N as N } from './ecdsa.js';

/**
 * ECDSA P-256 signatures in the DER form Fabric carries them (SEQUENCE { INTEGER r, INTEGER s }), and Fabric's
 * low-S rule: a signature whose s is above half the curve order is refused as malleable (bccsp's
 * IsLowS / FAB-5940), so one is checked here before the signature itself.
 */
function readInt(der: Uint8Array, at: number): { value: bigint; next: number } | undefined {
  if (der[at] !== 0x02) return undefined;
  const len = der[at + 1];
  if (len === undefined || len === 0 || len > 33 || at + 2 + len > der.length) return undefined;
  const bytes = der.subarray(at + 2, at + 2 + len);
  if ((bytes[0] as number) & 0x80) return undefined; // negative
  return { value: BigInt(`0x${Buffer.from(bytes).toString('hex')}`), next: at + 2 + len };
}

/** r and s of a DER signature; undefined when it is not one (P-256 sizes only, short-form lengths). */
export function derSignatureParts(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const r = readInt(der, 2);
  const s = r && readInt(der, r.next);
  if (!r || !s || s.next !== der.length) return undefined;
  if (r.value === 0n || s.value === 0n || r.value >= N || s.value >= N) return undefined;
  return { r: r.value, s: s.value };
}

export function isLowS(der: Uint8Array): boolean {
  const parts = derSignatureParts(der);
  return parts !== undefined && parts.s <= HALF_N;
}

function intBytes(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const b = Buffer.from(hex, 'hex');
  return b[0] !== undefined && b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

/** DER of an IEEE P1363 (r||s) signature given as hex, e.g. from signLowS. */
export function p1363HexToDer(hex: string): Buffer {
  const r = intBytes(BigInt(`0x${hex.slice(0, 64)}`));
  const s = intBytes(BigInt(`0x${hex.slice(64, 128)}`));
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, s.length]), s]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** IEEE P1363 `r || s` (32 bytes each) -> DER `SEQUENCE { INTEGER r, INTEGER s }` (X.690 §8.3). */
export function p1363ToDer(sig: Uint8Array): Buffer {
  return p1363HexToDer(Buffer.from(sig).toString('hex'));
}

/** Why a DER signature over `message` by `key` is refused, or null when it is good (low-S and valid). */
export function derSignatureProblem(key: KeyObject, message: Uint8Array, der: Uint8Array): string | null {
  const parts = derSignatureParts(der);
  if (!parts) return 'the signature is not a DER-encoded ECDSA signature';
  if (parts.s > HALF_N) return 'the signature has a high S value (Fabric accepts low-S signatures only)';
  try {
    if (verify('sha256', message, { key, dsaEncoding: 'der' }, der)) return null;
  } catch {
    // a key of another type: not valid
  }
  return 'the signature does not verify with the public key of the certificate';
}
