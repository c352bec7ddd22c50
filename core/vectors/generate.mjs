// Writes the coldtrail-format golden vectors of this folder from fixed inputs, with @coldtrail/core's own
// code: `npm run build && node core/vectors/generate.mjs`. Run it only when a wire format changes on
// purpose (a new version); core/src/vectors.test.ts checks that the code still reproduces every file.
// The RFC vectors (canonical-json-rfc8785.json, merkle-rfc6962.json) are copied facts, not generated.
import { writeFileSync } from 'node:fs';
import {
  batchHeader,
  canonicalJson,
  GENESIS_HASH,
  hashRecord,
  inclusionProof,
  makeRecord,
  merkleRoot,
  nobleSigner,
  publicKeyFromSecret,
  signBatch,
} from '@coldtrail/core';

const here = new URL('.', import.meta.url);
const write = (name, value) => writeFileSync(new URL(name, here), `${JSON.stringify(value, null, 2)}\n`);

// RFC 8032 §7.1 TEST 1 secret key: a published test key, never a real device's.
const SECRET = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const DEVICE = 'probe-001';
const start = Date.UTC(2026, 0, 1, 7, 0, 0);
const samples = [
  { sensor: 'probe-1', kind: 'temperature', value: 5.2, unit: 'CEL' },
  { sensor: 'probe-1', kind: 'humidity', value: 41.5, unit: 'P1' },
  { sensor: 'probe-1', kind: 'temperature', value: -0.25, unit: 'CEL' },
  { sensor: 'probe-1', kind: 'fault', fault: 'timeout' },
  { sensor: 'probe-2', kind: 'temperature', value: 8.125, unit: 'CEL' },
];
const records = [];
let prev = GENESIS_HASH;
for (const [i, sample] of samples.entries()) {
  const record = makeRecord(DEVICE, i + 1, start + i * 60_000, sample, prev);
  prev = hashRecord(record);
  records.push(record);
}

write('record-hash.json', {
  description:
    'Reading records of one device chained from the genesis prev (64 zeros): canonical is the RFC 8785 text, hash its SHA-256 (lowercase hex); each prev is the hash before it.',
  vectors: records.map((record) => ({ record, canonical: canonicalJson(record), hash: hashRecord(record) })),
});

const signer = nobleSigner(Buffer.from(SECRET, 'hex'));
const batch = await signBatch(records, hashRecord(records.at(-1)), signer);
const header = batchHeader({ ...batch, prev: records[0].prev });
write('batch-signature.json', {
  description:
    'A batch of the records of record-hash.json signed by the RFC 8032 TEST 1 key: sig is Ed25519 (pure) over the RFC 8785 bytes of header; Ed25519 is deterministic, so the signature is reproducible.',
  secretKey: SECRET,
  publicKey: publicKeyFromSecret(Buffer.from(SECRET, 'hex')),
  header,
  headerCanonical: canonicalJson(header),
  batch,
});

const hashes = records.map(hashRecord);
write('merkle-records.json', {
  description:
    'Anchors: the Merkle root over record hashes (leaves are the 32 hash bytes, RFC 6962 shape) for every prefix of the records of record-hash.json, and the audit path of every leaf of the full tree (nearest sibling first).',
  leaves: hashes,
  roots: hashes.map((_, i) => ({ size: i + 1, root: merkleRoot(hashes.slice(0, i + 1)) })),
  proofs: hashes.map((_, i) => ({ index: i, size: hashes.length, path: inclusionProof(hashes, i) })),
});
