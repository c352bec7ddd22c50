import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalizeReference from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { type Batch, batchHeader, verifyBatch } from './batch.js';
import { canonicalJson } from './canonical.js';
import { nobleSigner, publicKeyFromSecret } from './keys.js';
import {
  inclusionProof,
  merkleRoot,
  rfc6962InclusionProof,
  rfc6962Root,
  rfc6962VerifyInclusion,
  verifyInclusion,
} from './merkle.js';
import { hashRecord, type ReadingRecord, recordProblem } from './reading.js';

/**
 * The golden vectors under core/vectors/ (documented in core/README.md) hold: the RFC ones are facts from the
 * RFCs and Certificate Transparency; the coldtrail ones pin the wire formats, and each is also re-derived here
 * with tools other than core's (node:crypto SHA-256 and Ed25519, the canonicalize package).
 */
const vectors = (name: string) =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const reference = canonicalizeReference as unknown as (v: unknown) => string;

describe('golden vectors (core/vectors)', () => {
  it('canonical-json-rfc8785.json: the RFC 8785 examples', () => {
    const { vectors: list } = vectors('canonical-json-rfc8785.json') as {
      vectors: { name: string; input: string; canonical: string }[];
    };
    expect(list.length).toBeGreaterThanOrEqual(3);
    for (const v of list) {
      expect(canonicalJson(JSON.parse(v.input)), v.name).toBe(v.canonical);
      expect(reference(JSON.parse(v.input)), `${v.name} (canonicalize package)`).toBe(v.canonical);
    }
  });

  it('record-hash.json: records, their RFC 8785 text and SHA-256, chained from genesis', () => {
    const { vectors: list } = vectors('record-hash.json') as {
      vectors: { record: ReadingRecord; canonical: string; hash: string }[];
    };
    let prev = '0'.repeat(64);
    for (const v of list) {
      expect(recordProblem(v.record)).toBeUndefined();
      expect(v.record.prev).toBe(prev);
      expect(canonicalJson(v.record)).toBe(v.canonical);
      expect(hashRecord(v.record)).toBe(v.hash);
      expect(sha256(v.canonical)).toBe(v.hash);
      prev = v.hash;
    }
    expect(new Set(list.map((v) => v.record.kind))).toEqual(new Set(['temperature', 'humidity', 'fault']));
  });

  it('batch-signature.json: the header and its Ed25519 signature by the RFC 8032 TEST 1 key', async () => {
    const v = vectors('batch-signature.json') as {
      secretKey: string;
      publicKey: string;
      header: unknown;
      headerCanonical: string;
      batch: Batch;
    };
    // RFC 8032 §7.1 TEST 1: the public key of this secret key.
    expect(v.publicKey).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(publicKeyFromSecret(Buffer.from(v.secretKey, 'hex'))).toBe(v.publicKey);
    const first = v.batch.records[0] as ReadingRecord;
    expect(batchHeader({ ...v.batch, prev: first.prev })).toEqual(v.header);
    expect(canonicalJson(v.header)).toBe(v.headerCanonical);
    expect(() => verifyBatch(v.batch, v.publicKey)).not.toThrow();
    const spki = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from(v.publicKey, 'hex'),
    ]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(v.headerCanonical), key, Buffer.from(v.batch.sig, 'hex'))).toBe(true);
    const again = await nobleSigner(Buffer.from(v.secretKey, 'hex'))(Buffer.from(v.headerCanonical));
    expect(Buffer.from(again).toString('hex')).toBe(v.batch.sig);
  });

  it('merkle-records.json: anchor roots over record hashes and every audit path', () => {
    const v = vectors('merkle-records.json') as {
      leaves: string[];
      roots: { size: number; root: string }[];
      proofs: { index: number; size: number; path: string[] }[];
    };
    for (const r of v.roots) expect(merkleRoot(v.leaves.slice(0, r.size))).toBe(r.root);
    const full = (v.roots.at(-1) as { root: string }).root;
    for (const p of v.proofs) {
      expect(inclusionProof(v.leaves, p.index)).toEqual(p.path);
      expect(verifyInclusion(v.leaves[p.index] as string, p.index, p.size, p.path, full)).toBe(true);
    }
  });

  it('merkle-rfc6962.json: the RFC 6962 / Certificate Transparency test vectors', () => {
    const v = vectors('merkle-rfc6962.json') as {
      leaves: string[];
      emptyRoot: string;
      roots: { size: number; root: string }[];
      proofs: { index: number; size: number; path: string[] }[];
    };
    const leaves = v.leaves.map((h) => Buffer.from(h, 'hex'));
    expect(rfc6962Root([])).toBe(v.emptyRoot);
    for (const r of v.roots) expect(rfc6962Root(leaves.slice(0, r.size)), `size ${r.size}`).toBe(r.root);
    for (const p of v.proofs) {
      const tree = leaves.slice(0, p.size);
      const root = rfc6962Root(tree);
      expect(rfc6962InclusionProof(tree, p.index), `leaf ${p.index} of ${p.size}`).toEqual(p.path);
      expect(rfc6962VerifyInclusion(tree[p.index] as Buffer, p.index, p.size, p.path, root)).toBe(true);
      if (p.path.length > 0) {
        expect(rfc6962VerifyInclusion(Buffer.from('x'), p.index, p.size, p.path, root)).toBe(false);
      }
    }
  });
});
