import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFromPem, publicKeyPem } from './keys.js';

const rawHex = (pem: string) =>
  Buffer.from(createPublicKey(pem).export({ format: 'jwk' }).x ?? '', 'base64url').toString('hex');

describe('publicKeyPem / publicKeyFromPem', () => {
  it('writes the SPKI PEM that node:crypto (OpenSSL) writes, and reads it back', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const opensslPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hex = rawHex(opensslPem);
    expect(publicKeyPem(hex)).toBe(opensslPem);
    expect(publicKeyFromPem(opensslPem)).toBe(hex);
    expect(publicKeyFromPem(`\n  ${publicKeyPem(hex).replace(/\n/g, '\r\n')}  \n`)).toBe(hex);
    // `coldtrail agent init`'s whole output, piped: the text around the block is ignored.
    expect(publicKeyFromPem(`device: d1\npublic key:\n${publicKeyPem(hex)}next: enroll it\n`)).toBe(hex);
  });

  it('refuses what is not an Ed25519 public key, saying what it expects', () => {
    const { publicKey: ec } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { privateKey } = generateKeyPairSync('ed25519');
    for (const bad of [
      '',
      'hello',
      ec.export({ format: 'pem', type: 'spki' }).toString(),
      privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      '-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n',
    ]) {
      expect(() => publicKeyFromPem(bad), bad).toThrow(/not an Ed25519 PEM public key/);
    }
    expect(() => publicKeyPem('zz')).toThrow(/64 lowercase hex/);
  });
});
