import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';

/**
 * ECDSA P-256 with SHA-256 over node:crypto (~0.04 ms per signature here, against ~2.4 ms pure JS). Signatures
 * are IEEE P1363 (r||s) and normalised to low-S, the form Fabric accepts (it rejects high-S signatures as
 * malleable, FAB-5940).
 */
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const HALF_N = N >> 1n;

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function publicKeyFromCertificate(pem: string): KeyObject {
  return new X509Certificate(pem).publicKey;
}

export function publicKeyFromPrivate(key: KeyObject): KeyObject {
  return createPublicKey(key);
}

export function signLowS(key: KeyObject, message: string | Uint8Array): string {
  const sig = sign('sha256', Buffer.from(message), { key, dsaEncoding: 'ieee-p1363' });
  const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  if (s > HALF_N) Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex').copy(sig, 32);
  return sig.toString('hex');
}

export function verifySignature(key: KeyObject, message: string | Uint8Array, signatureHex: string): boolean {
  if (!/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  try {
    return verify(
      'sha256',
      Buffer.from(message),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signatureHex, 'hex'),
    );
  } catch {
    return false;
  }
}
