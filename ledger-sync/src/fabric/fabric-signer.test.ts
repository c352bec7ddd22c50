import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { hash, signers } from '@hyperledger/fabric-gateway';
import { describe, expect, it } from 'vitest';
import { lowS } from '../ledger/ecdsa.js';
import { p1363ToDer } from '../ledger/ecdsa-der.js';
import { nodeCryptoSigner } from './fabric-signer.js';

const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const HALF_N = N >> 1n;

/** Minimal DER SEQUENCE { INTEGER r, INTEGER s } reader, strict about minimal encoding. */
function parseDer(der: Uint8Array): { r: bigint; s: bigint } {
  expect(der[0]).toBe(0x30);
  expect(der[1]).toBe(der.length - 2);
  const ints: bigint[] = [];
  let i = 2;
  while (i < der.length) {
    expect(der[i]).toBe(0x02);
    const len = der[i + 1] as number;
    const body = der.subarray(i + 2, i + 2 + len);
    expect((body[0] as number) & 0x80).toBe(0);
    if (body.length > 1) expect(body[0] === 0 && ((body[1] as number) & 0x80) === 0).toBe(false);
    ints.push(BigInt(`0x${Buffer.from(body).toString('hex') || '0'}`));
    i += 2 + len;
  }
  expect(ints).toHaveLength(2);
  return { r: ints[0] as bigint, s: ints[1] as bigint };
}

describe('node:crypto Fabric signer', () => {
  it('signs the whole message as DER low-S ECDSA-SHA256 that verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const sign = nodeCryptoSigner(privateKey);
    for (let n = 0; n < 64; n++) {
      const message = Buffer.from(`proposal ${n}`);
      const der = await sign(message);
      expect(parseDer(der).s <= HALF_N).toBe(true);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
      expect(
        verify('sha256', Buffer.from(`proposal ${n + 1}`), { key: publicKey, dsaEncoding: 'der' }, der),
      ).toBe(false);
    }
  });

  it("produces what fabric-gateway's own signer produces over the sha256 digest (same DER form, same key)", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const message = Buffer.from('the same transaction');
    const theirs = await signers.newPrivateKeySigner(privateKey)(hash.sha256(message));
    const ours = await nodeCryptoSigner(privateKey)(hash.none(message));
    for (const der of [theirs, ours]) {
      expect(parseDer(der).s <= HALF_N).toBe(true);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
    }
  });

  it('normalises s to n - s exactly when s > n/2', () => {
    const hex = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
    const cases = [
      HALF_N,
      HALF_N + 1n,
      N - 1n,
      1n,
      ...Array.from({ length: 200 }, () => hex(randomBytes(32)) % N),
    ];
    for (const v of cases) {
      const s = Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
      lowS(s);
      expect(hex(s)).toBe(v > HALF_N ? N - v : v);
    }
  });

  it('encodes r and s as minimal positive DER integers', () => {
    const r = Buffer.alloc(32);
    r[31] = 5;
    const s = Buffer.alloc(32, 0xff);
    const der = p1363ToDer(Buffer.concat([r, s]));
    expect(Buffer.from(der).toString('hex')).toBe(`3026020105022100${'ff'.repeat(32)}`);
    expect(parseDer(der)).toEqual({ r: 5n, s: BigInt(`0x${'ff'.repeat(32)}`) });
  });
});
