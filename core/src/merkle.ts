import { ColdtrailError, ErrorCode } from './errors.js';
import { bytesToHex, hexToBytes, sha256 } from './hash.js';
import { isHash } from './patterns.js';

/**
 * Merkle tree over record hashes, shaped as RFC 6962 §2.1 (Certificate Transparency): leaf = SHA-256(0x00 ||
 * recordHash), node = SHA-256(0x01 || left || right), and a tree of n leaves splits at the largest power of two
 * below n. The domain prefixes stop a leaf from being passed off as an inner node.
 * Leaves are the 32-byte record hashes (hex in the API); the root of an empty tree is SHA-256("").
 */
// Scratch inputs reused by every hash (sha256 returns a fresh digest and keeps no reference to its input): a
// tree of 170,000 leaves makes 340,000 hashes, and a new input buffer for each costs as much as the hashing.
const LEAF_INPUT = new Uint8Array(33);
const NODE_INPUT = Uint8Array.of(1, ...new Uint8Array(64));

function leafHash(h: Uint8Array): Uint8Array {
  if (h.length !== 32) {
    const b = new Uint8Array(h.length + 1);
    b.set(h, 1);
    return sha256(b);
  }
  LEAF_INPUT.set(h, 1); // LEAF_INPUT[0] stays 0x00
  return sha256(LEAF_INPUT);
}

function nodeHash(l: Uint8Array, r: Uint8Array): Uint8Array {
  NODE_INPUT.set(l, 1); // NODE_INPUT[0] stays 0x01
  NODE_INPUT.set(r, 33);
  return sha256(NODE_INPUT);
}

const NodeBuffer = (globalThis as { Buffer?: { from(hex: string, enc: 'hex'): Uint8Array } }).Buffer;
/**
 * A record hash (64 lowercase hex) as bytes. Node's hex decoder is native, the portable one a loop; Node's
 * stops silently at the first non-hex character, so the form is checked first (as hexToBytes would refuse).
 */
function fromHex(h: string): Uint8Array {
  if (!NodeBuffer) return hexToBytes(h);
  if (!isHash(h))
    throw new ColdtrailError(ErrorCode.InvalidInput, `not a record hash: ${JSON.stringify(h).slice(0, 80)}`);
  return NodeBuffer.from(h, 'hex');
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 1) return leaves[lo] as Uint8Array;
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

function toLeaves(recordHashes: readonly string[]): Uint8Array[] {
  return recordHashes.map((h) => leafHash(fromHex(h)));
}

/**
 * RFC 6962 §2.1 Merkle Tree Hash over arbitrary leaf data (coldtrail's leaves are 32-byte record hashes;
 * this general form is what the RFC's test vectors, core/vectors/merkle-rfc6962.json, exercise).
 */
export function rfc6962Root(leafData: readonly Uint8Array[]): string {
  if (leafData.length === 0) return bytesToHex(sha256(new Uint8Array(0)));
  const leaves = leafData.map(leafHash);
  return bytesToHex(subtreeRoot(leaves, 0, leaves.length));
}

/** RFC 6962 §2.1.1 audit path over arbitrary leaf data, nearest sibling first. */
export function rfc6962InclusionProof(leafData: readonly Uint8Array[], index: number): string[] {
  return auditPath(leafData.map(leafHash), index);
}

export function merkleRoot(recordHashes: readonly string[]): string {
  if (recordHashes.length === 0) return bytesToHex(sha256(new Uint8Array(0)));
  const leaves = toLeaves(recordHashes);
  return bytesToHex(subtreeRoot(leaves, 0, leaves.length));
}

/** Audit path for leaf `index` (RFC 6962 §2.1.1), nearest sibling first. */
export function inclusionProof(recordHashes: readonly string[], index: number): string[] {
  return auditPath(toLeaves(recordHashes), index);
}

function auditPath(leaves: readonly Uint8Array[], index: number): string[] {
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
      path.push(bytesToHex(subtreeRoot(leaves, lo + k, hi)));
    } else {
      walk(m - k, lo + k, hi);
      path.push(bytesToHex(subtreeRoot(leaves, lo, lo + k)));
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
  return verifyLeafInclusion(leafHash(hexToBytes(recordHash)), index, size, proof, root);
}

/** verifyInclusion over arbitrary leaf data (RFC 6962 test vectors). */
export function rfc6962VerifyInclusion(
  leafData: Uint8Array,
  index: number,
  size: number,
  proof: readonly string[],
  root: string,
): boolean {
  return verifyLeafInclusion(leafHash(leafData), index, size, proof, root);
}

function verifyLeafInclusion(
  leaf: Uint8Array,
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
    const sib = hexToBytes(p);
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(sib, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, sib);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && bytesToHex(r) === root;
}
