import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.js';
import { inclusionProof, merkleRoot, verifyInclusion } from './merkle.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => sha256Hex(`record-${i}`));

describe('merkle (RFC 6962 shape)', () => {
  it('matches a hand-computed root for three leaves', async () => {
    const { createHash } = await import('node:crypto');
    const h = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
    const ls = leaves(3).map((x) => h(Buffer.from([0]), Buffer.from(x, 'hex')));
    // n=3 splits at k=2: root = H(1 || H(1||l0||l1) || l2)
    const expected = h(Buffer.from([1]), h(Buffer.from([1]), ls[0]!, ls[1]!), ls[2]!).toString('hex');
    expect(merkleRoot(leaves(3))).toBe(expected);
  });

  it('empty tree root is SHA-256 of the empty string', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('every leaf of trees of size 1..33 proves inclusion; wrong index, leaf or root fails', () => {
    for (let n = 1; n <= 33; n++) {
      const ls = leaves(n);
      const root = merkleRoot(ls);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(ls, i);
        expect(verifyInclusion(ls[i]!, i, n, proof, root)).toBe(true);
        if (n > 1) expect(verifyInclusion(ls[i]!, (i + 1) % n, n, proof, root)).toBe(false);
        expect(verifyInclusion(sha256Hex('other'), i, n, proof, root)).toBe(false);
      }
    }
  });

  it('a changed leaf changes the root', () => {
    const ls = leaves(10);
    const changed = [...ls];
    changed[4] = sha256Hex('tampered');
    expect(merkleRoot(changed)).not.toBe(merkleRoot(ls));
  });

  it('rejects an index outside the tree', () => {
    expect(() => inclusionProof(leaves(2), 2)).toThrow(/outside/);
    expect(verifyInclusion(leaves(1)[0]!, 1, 1, [], merkleRoot(leaves(1)))).toBe(false);
  });
});
