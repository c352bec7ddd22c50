import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { verifyEd25519, verifyEd25519Noble } from './keys.js';

// verifyEd25519 runs on node:crypto here; the pure-JS verifier is what browsers and the chaincode run. They
// must give the same answer on every input a device or an attacker can send.
describe('verifyEd25519 (node:crypto) agrees with the pure-JS verifier', () => {
  it('on valid signatures, on each one altered by a bit (message, signature, key), and on a foreign key', () => {
    let valid = 0;
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const secret = randomBytes(32);
      const pub = ed25519.getPublicKey(secret);
      const message = randomBytes(1 + (i % 300));
      const sig = ed25519.sign(message, secret);
      const cases: [Uint8Array, Uint8Array, Uint8Array][] = [[pub, message, sig]];
      const flip = (b: Uint8Array, at: number) => {
        const c = Uint8Array.from(b);
        c[at % c.length] = (c[at % c.length] as number) ^ (1 << (i % 8));
        return c;
      };
      cases.push([pub, flip(message, i), sig], [pub, message, flip(sig, i)], [flip(pub, i), message, sig]);
      cases.push([ed25519.getPublicKey(randomBytes(32)), message, sig]);
      cases.push([pub, message, sig.subarray(0, 63)], [pub.subarray(0, 31), message, sig]);
      for (const [k, m, s] of cases) {
        const node = verifyEd25519(k, m, s);
        expect(node, `case ${i}`).toBe(verifyEd25519Noble(k, m, s));
        if (node) valid++;
        else refused++;
      }
    }
    expect(valid).toBe(200); // exactly the unaltered ones
    expect(refused).toBe(200 * 6);
  });

  it('refuses a signature whose S is not reduced (s + L), as RFC 8032 §5.1.7 requires', () => {
    const secret = randomBytes(32);
    const pub = ed25519.getPublicKey(secret);
    const message = randomBytes(40);
    const sig = ed25519.sign(message, secret);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sBytes = sig.slice(32);
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) + BigInt(sBytes[i] as number);
    let t = s + L;
    const out = Uint8Array.from(sig);
    for (let i = 0; i < 32; i++) {
      out[32 + i] = Number(t & 0xffn);
      t >>= 8n;
    }
    expect(verifyEd25519(pub, message, out)).toBe(false);
    expect(verifyEd25519Noble(pub, message, out)).toBe(false);
  });
});
