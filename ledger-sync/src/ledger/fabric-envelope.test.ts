import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signLowS } from './ecdsa.js';
import { derSignatureParts, derSignatureProblem, isLowS, p1363HexToDer } from './ecdsa-der.js';
import { decodeKvRwSet, encodeKvRwSet, fabricProtos, fabricTxId } from './fabric-envelope.js';
import type { RwSet } from './ledger-records.js';

const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

describe('Fabric read/write sets', () => {
  it('round-trips reads (with and without versions), range reads, writes and deletes through kvrwset', () => {
    const rwset: RwSet = {
      reads: [
        { key: '\u0000device\u0000probe-1\u0000', version: { block: 3, tx: 2 } },
        { key: 'missing', version: null },
      ],
      ranges: [
        {
          start: '\u0000anchor\u0000',
          end: '\u0000anchor\u0000\u{10ffff}',
          reads: [{ key: 'a', version: { block: 0, tx: 0 } }],
        },
      ],
      writes: [
        { key: 'k1', value: Buffer.from('{"a":1}').toString('base64') },
        { key: 'k2', value: null },
      ],
    };
    expect(decodeKvRwSet(fabricProtos(), encodeKvRwSet(fabricProtos(), rwset))).toEqual(rwset);
  });

  it("computes Fabric's transaction id as SHA-256(nonce || creator)", () => {
    // sha256 of the bytes 'ab' || 'c' = sha256('abc')
    expect(fabricTxId(Buffer.from('ab'), Buffer.from('c'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('DER signatures', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.from('the payload');

  it('converts low-S P1363 signatures to DER that verifies, and refuses the high-S twin', () => {
    const hex = signLowS(privateKey, message);
    const der = p1363HexToDer(hex);
    expect(isLowS(der)).toBe(true);
    expect(derSignatureProblem(publicKey, message, der)).toBeNull();
    const parts = derSignatureParts(der);
    if (!parts) throw new Error('no parts');
    const high = p1363HexToDer(`${hex.slice(0, 64)}${(N - parts.s).toString(16).padStart(64, '0')}`);
    expect(isLowS(high)).toBe(false);
    expect(derSignatureProblem(publicKey, message, high)).toMatch(/high S/);
  });

  it('refuses a signature over other bytes and bytes that are no DER signature', () => {
    const der = sign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
    const other = Buffer.from('another payload');
    const problem = derSignatureProblem(publicKey, other, der);
    expect(problem === null).toBe(false);
    expect(derSignatureProblem(publicKey, message, Buffer.from('not a signature'))).toMatch(/not a DER/);
  });
});
