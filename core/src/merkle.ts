import { ColdtrailError, ErrorCode } from './errors.js';
import { bytesToHex, hexToBytes, sha256 } from './hash.js';
import { isHash } from './patterns.js';

/**
 * Merkle tree over record hashes, shaped as RFC 6962 §2.1 (Certificate Transparency): leaf = SHA-256(0x00 ||
 * recordHash), node = SHA-256(0x01 || left || right), and a tree of n leaves splits at the largest power of two
 * below n. The domain prefixes stop a leaf from being passed off as an inner node.
 * Leaves are the 32-byte record hashes (hex in the API); the root of an empty tree is SHA-256("").
 */

/** How the tree holds a digest: bytes (portable), or on Node a 32-character latin1 string (nodeTree). */
interface TreeHash<N> {
  /** SHA-256(0x00 || data). */
  leaf(data: Uint8Array): N;
  /** leaf() of a record hash given as 64 lowercase hex (its form already checked). */
  leafOfHex(hex: string): N;
  /** SHA-256(0x01 || l || r). */
  node(l: N, r: N): N;
  fromHex(hex: string): N;
  toHex(n: N): string;
}

// Scratch inputs reused by every hash (the digest keeps no reference to its input): a tree of 170,000 leaves
// makes 340,000 hashes, and a new input buffer for each costs as much as the hashing.
const LEAF_INPUT = new Uint8Array(33); // [0] stays 0x00
const NODE_INPUT = Uint8Array.of(1, ...new Uint8Array(64)); // [0] stays 0x01

function prefixed(data: Uint8Array): Uint8Array {
  if (data.length === 32) {
    LEAF_INPUT.set(data, 1);
    return LEAF_INPUT;
  }
  const b = new Uint8Array(data.length + 1);
  b.set(data, 1);
  return b;
}

const bytesTree: TreeHash<Uint8Array> = {
  leaf: (data) => sha256(prefixed(data)),
  leafOfHex: (hex) => sha256(prefixed(hexToBytes(hex))),
  node(l, r) {
    NODE_INPUT.set(l, 1);
    NODE_INPUT.set(r, 33);
    return sha256(NODE_INPUT);
  },
  fromHex: hexToBytes,
  toHex: bytesToHex,
};

type NodeHash = (algorithm: string, data: Uint8Array, outputEncoding: 'latin1') => string;
interface NodeBuf extends Uint8Array {
  write(s: string, offset: number, encoding: 'hex' | 'latin1'): number;
  toString(encoding?: 'hex' | 'latin1'): string;
}
interface NodeBufferClass {
  alloc(n: number): NodeBuf;
  from(s: string, encoding: 'hex' | 'latin1'): NodeBuf;
}

/**
 * On Node (crypto.hash, >= 20.12) each digest is a 32-character latin1 string, one byte per character, and hex
 * is decoded natively into a reused input: a string is a plain heap object, while a Buffer per digest needs a
 * backing store, and for a tree of 172,800 leaves that allocation and its garbage cost more than the hashing
 * (the root took ~2x as long).
 */
function nodeTree(hash: NodeHash, B: NodeBufferClass): TreeHash<string> {
  const leafIn = B.alloc(33); // [0] stays 0x00
  const nodeIn = B.alloc(65);
  nodeIn[0] = 1;
  return {
    leaf: (data) => hash('sha256', prefixed(data), 'latin1'),
    leafOfHex(hex) {
      leafIn.write(hex, 1, 'hex');
      return hash('sha256', leafIn, 'latin1');
    },
    node(l, r) {
      nodeIn.write(l, 1, 'latin1');
      nodeIn.write(r, 33, 'latin1');
      return hash('sha256', nodeIn, 'latin1');
    },
    fromHex: (hex) => B.from(hex, 'hex').toString('latin1'),
    toHex: (n) => B.from(n, 'latin1').toString('hex'),
  };
}

const nodeHash = (
  (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
    'node:crypto',
  ) as { hash?: unknown } | undefined
)?.hash;
const NodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;
// One tree for the whole module; both shapes give the same digests (merkle.test.ts and vectors.test.ts).
const tree: TreeHash<unknown> = (
  typeof nodeHash === 'function' && NodeBuffer ? nodeTree(nodeHash as NodeHash, NodeBuffer) : bytesTree
) as TreeHash<unknown>;

/** A record hash (64 lowercase hex) as a leaf: the form is checked first, as hexToBytes would refuse it. */
function recordLeaf(h: string): unknown {
  if (!isHash(h))
    throw new ColdtrailError(ErrorCode.InvalidInput, `not a record hash: ${JSON.stringify(h).slice(0, 80)}`);
  return tree.leafOfHex(h);
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly unknown[], lo: number, hi: number): unknown {
  const n = hi - lo;
  if (n === 1) return leaves[lo];
  const k = splitPoint(n);
  return tree.node(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

function toLeaves(recordHashes: readonly string[]): unknown[] {
  const leaves = new Array<unknown>(recordHashes.length);
  for (let i = 0; i < recordHashes.length; i++) leaves[i] = recordLeaf(recordHashes[i] as string);
  return leaves;
}

const EMPTY_ROOT = () => bytesToHex(sha256(new Uint8Array(0)));

/**
 * RFC 6962 §2.1 Merkle Tree Hash over arbitrary leaf data (coldtrail's leaves are 32-byte record hashes;
 * this general form is what the RFC's test vectors, core/vectors/merkle-rfc6962.json, exercise).
 */
export function rfc6962Root(leafData: readonly Uint8Array[]): string {
  if (leafData.length === 0) return EMPTY_ROOT();
  const leaves = leafData.map((d) => tree.leaf(d));
  return tree.toHex(subtreeRoot(leaves, 0, leaves.length));
}

/** RFC 6962 §2.1.1 audit path over arbitrary leaf data, nearest sibling first. */
export function rfc6962InclusionProof(leafData: readonly Uint8Array[], index: number): string[] {
  return auditPath(
    leafData.map((d) => tree.leaf(d)),
    index,
  );
}

export function merkleRoot(recordHashes: readonly string[]): string {
  if (recordHashes.length === 0) return EMPTY_ROOT();
  const leaves = toLeaves(recordHashes);
  return tree.toHex(subtreeRoot(leaves, 0, leaves.length));
}

/** Audit path for leaf `index` (RFC 6962 §2.1.1), nearest sibling first. */
export function inclusionProof(recordHashes: readonly string[], index: number): string[] {
  return auditPath(toLeaves(recordHashes), index);
}

function auditPath(leaves: readonly unknown[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `leaf index ${index} outside a tree of ${leaves.length}`,
    );
  }
  const path: string[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    const n = hi - lo;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, lo, lo + k);
      path.push(tree.toHex(subtreeRoot(leaves, lo + k, hi)));
    } else {
      walk(m - k, lo + k, hi);
      path.push(tree.toHex(subtreeRoot(leaves, lo, lo + k)));
    }
  };
  walk(index, 0, leaves.length);
  return path;
}

/** Verifies an audit path (RFC 9162 §2.1.3.2 algorithm) for a record hash at `index` in a tree of `size`. */
export function verifyInclusion(
  recordHash: string,
  index: number,
  size: number,
  proof: readonly string[],
  root: string,
): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  if (!isHash(recordHash)) return false;
  return verifyLeafInclusion(tree.leafOfHex(recordHash), index, size, proof, root);
}

/** verifyInclusion over arbitrary leaf data (RFC 6962 test vectors). */
export function rfc6962VerifyInclusion(
  leafData: Uint8Array,
  index: number,
  size: number,
  proof: readonly string[],
  root: string,
): boolean {
  return verifyLeafInclusion(tree.leaf(leafData), index, size, proof, root);
}

function verifyLeafInclusion(
  leaf: unknown,
  index: number,
  size: number,
  proof: readonly string[],
  root: string,
): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  if (!isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    const sib = tree.fromHex(p);
    if ((fn & 1) === 1 || fn === sn) {
      r = tree.node(sib, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = tree.node(r, sib);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && tree.toHex(r) === root;
}
