import { createPublicKey, verify as verifySig } from 'node:crypto';
import { batchHeader, canonicalBytes, hexToBytes, parsePublicKey } from '@coldtrail/core';
import { evaluateShipment } from '../excursion-engine.js';
import type { LedgerVerifyOptions } from '../ledger/verify-report.js';
import type { ReadingStore, StoredBatch, StoredRecord } from '../reading-store.js';
import { rehash } from '../verification.js';
import { verifyAnchors } from '../verify-anchors.js';
import { verifyCustody } from '../verify-custody.js';
import { compareExcursions, type ExcursionSummary } from '../verify-excursions.js';
import { verifyRange } from '../verify-range.js';
import { verifyHashChain } from '../verify-readings.js';
import { type ProvenanceBundle, parseBundle } from './bundle-format.js';
import {
  type BundleCheck,
  bundleCheck,
  verifyBundleBlocks,
  verifyBundleEntries,
  verifyBundleTip,
} from './bundle-ledger.js';

/** What `coldtrail verify FILE` answers: every check, the excursions re-derived, and what it cannot prove. */
export interface BundleVerification {
  ok: boolean;
  sscc: string;
  device: string;
  range: { fromSeq: number; toSeq: number; complete: boolean };
  readings: number;
  tip: { number: number; hash: string; timestamp: string };
  checks: BundleCheck[];
  excursions: ExcursionSummary[];
  limits: string[];
}

export interface BundleVerifyOptions {
  /** A tip kept outside the bundle (`--expect-tip`): a number and hash, or a signed checkpoint. */
  expectTip?: Pick<LedgerVerifyOptions, 'expectTip' | 'checkpoint'>;
}

/** Parses (bundle-format.ts: INVALID_INPUT for anything that is not a bundle) and verifies a bundle's bytes. */
export async function verifyBundleBytes(
  bytes: Uint8Array,
  source: string,
  options: BundleVerifyOptions = {},
): Promise<BundleVerification> {
  return verifyBundle(parseBundle(bytes, source), options);
}

/**
 * Re-derives a provenance answer from a bundle alone, trusting none of its hashes or verdicts: each reading is
 * re-hashed from its fields (core's RFC 8785 encoder), the chain is walked to the signed batch heads, the batch
 * signatures are checked with the device key (Ed25519 through node:crypto, for 170,000 readings in well under a
 * second), every anchor's Merkle root is rebuilt from its full leaf set, range, custody and excursions are
 * re-derived exactly as provenance does (the same verify-*.ts and excursion-engine code), each ledger entry is
 * found in the transaction that wrote it, and the blocks are linked and checked up to the tip.
 */
export async function verifyBundle(
  bundle: ProvenanceBundle,
  options: BundleVerifyOptions = {},
): Promise<BundleVerification> {
  const { shipment, device } = bundle;
  const id = shipment.device;
  const complete = shipment.status === 'completed' && shipment.toSeq !== null;
  // The range comes from the shipment itself where it can; only an open shipment's end is the writer's.
  const toSeq = complete ? (shipment.toSeq as number) : bundle.range.toSeq;
  const range = { fromSeq: shipment.fromSeq, toSeq, complete };

  const records: StoredRecord[] = [];
  const hashes = new Map<number, string>();
  const changed: string[] = [];
  for (const r of bundle.readings) {
    const h = rehash(r.record);
    if (h !== r.hash)
      changed.push(`reading ${r.record.device}#${r.record.seq}: hash does not match its fields`);
    // The chain and anchor checks see the recomputed hash only: nothing the writer claimed about it.
    records.push({ record: r.record, hash: h });
    hashes.set(r.record.seq, h);
  }
  const batches: StoredBatch[] = bundle.batches.map((b) => ({ device: id, ...b }));
  const store = bundleStore(id, records, batches);
  const inRange = records.filter((r) => r.record.seq >= range.fromSeq && r.record.seq <= range.toSeq);

  const checks: BundleCheck[] = [consistency(bundle, range)];
  checks.push(bundleCheck('readings', changed, `${records.length} readings re-hashed from their fields`));
  checks.push(signatures(id, device.publicKey, batches));
  checks.push(verifyHashChain(id, range, batches, records, hashes));
  checks.push(await verifyAnchors(store, id, range, bundle.anchors, complete, { records, hashes }));
  const rangeResult = await verifyRange(store, bundle, range, inRange);
  checks.push(rangeResult.check);
  checks.push(verifyCustody(shipment, device, bundle.custody));
  const derived = evaluateShipment(
    shipment,
    inRange.map((r) => r.record),
  );
  const compared = compareExcursions(derived, bundle.excursions, complete);
  checks.push(compared.check);
  const blocks = verifyBundleBlocks(bundle);
  checks.push(
    verifyBundleEntries(bundle, blocks.txs),
    blocks.check,
    verifyBundleTip(bundle, options.expectTip),
  );

  const limits = [
    "the bundle's blocks are those of a single embedded node: its signing key sits in its data directory, so only a tip kept elsewhere (--expect-tip with a checkpoint or N:HASH) binds them",
    'blocks carried without their transactions are checked for their links and signatures only: that none of them changed an entry later rests on the tip being attested',
  ];
  if (!range.complete) limits.push('in transit: readings still to come can change this answer');
  if (rangeResult.late) {
    limits.push(
      `${rangeResult.late.count} reading(s) ${id}#${rangeResult.late.fromSeq}-${rangeResult.late.toSeq} arrived after the completion: they are not part of it`,
    );
  }
  return {
    ok: checks.every((c) => c.ok),
    sscc: bundle.sscc,
    device: id,
    range,
    readings: inRange.length,
    tip: bundle.ledger.tip,
    checks,
    excursions: compared.excursions,
    limits,
  };
}

/** `bundle`: the parts of the bundle name one shipment, one device and one range. */
function consistency(bundle: ProvenanceBundle, range: BundleVerification['range']): BundleCheck {
  const p: string[] = [];
  const { shipment } = bundle;
  if (bundle.sscc !== shipment.sscc)
    p.push(`the bundle is for ${bundle.sscc}, its shipment is ${shipment.sscc}`);
  if (bundle.device.id !== shipment.device) {
    p.push(`the shipment's device is ${shipment.device}, the bundle's device entry ${bundle.device.id}`);
  }
  if (bundle.range.fromSeq !== range.fromSeq || bundle.range.toSeq !== range.toSeq) {
    p.push(
      `the bundle's range ${bundle.range.fromSeq}-${bundle.range.toSeq} is not the shipment's ${range.fromSeq}-${range.toSeq}`,
    );
  }
  if (bundle.range.complete !== range.complete)
    p.push("the bundle's range disagrees with the shipment's status");
  if (bundle.next && !range.complete && range.toSeq >= bundle.next.fromSeq) {
    p.push(`the bundle's range reaches into the device's next shipment ${bundle.next.sscc}`);
  }
  return bundleCheck(
    'bundle',
    p,
    `one shipment ${shipment.sscc} on ${shipment.device}, seqs ${range.fromSeq}-${range.toSeq}`,
  );
}

/** `signatures`: each batch header verifies with the device's Ed25519 key (node:crypto: ~15x the pure-JS rate). */
function signatures(id: string, publicKeyHex: string, batches: readonly StoredBatch[]): BundleCheck {
  let key: ReturnType<typeof createPublicKey>;
  try {
    // RFC 8410 §4 SubjectPublicKeyInfo around the raw 32-byte key.
    const raw = parsePublicKey(publicKeyHex);
    key = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
  } catch (err) {
    return {
      name: 'signatures',
      ok: false,
      detail: `the device key cannot be read: ${(err as Error).message}`,
    };
  }
  const problems: string[] = [];
  for (const b of batches) {
    const header = batchHeader({
      device: id,
      fromSeq: b.fromSeq,
      toSeq: b.toSeq,
      prev: b.prev,
      head: b.head,
    });
    if (!verifySig(null, canonicalBytes(header), key, hexToBytes(b.sig))) {
      problems.push(
        `batch ${id}#${b.fromSeq}-${b.toSeq}: signature does not verify with the device key on the ledger`,
      );
    }
  }
  return bundleCheck('signatures', problems, `${batches.length} batch headers verify with ${id}'s key`);
}

/** The bundle's readings and batches behind the reading-store face the shared checks read through. */
function bundleStore(
  id: string,
  records: readonly StoredRecord[],
  batches: readonly StoredBatch[],
): Pick<ReadingStore, 'records' | 'batches'> {
  const sorted = [...records].sort((a, b) => a.record.seq - b.record.seq);
  return {
    async records(device, from, to) {
      return device === id ? sorted.filter((r) => r.record.seq >= from && r.record.seq <= to) : [];
    },
    async batches(device, from, to) {
      return device === id ? batches.filter((b) => b.toSeq >= from && b.fromSeq <= to) : [];
    },
  };
}
