import { batchHeader, batchSignatureValid, parsePublicKey } from '@coldtrail/core';
import type { StoredBatch, StoredRecord } from './reading-store.js';
import { checkResult, rehash, type VerificationCheck } from './verification.js';

export interface SeqRange {
  fromSeq: number;
  toSeq: number;
}

/** `signatures`: every stored batch header verifies with the device key registered on the ledger. */
export function verifySignatures(
  device: string,
  publicKey: string,
  batches: readonly StoredBatch[],
): VerificationCheck {
  const problems: string[] = [];
  parsePublicKey(publicKey); // a malformed key on the ledger: the check cannot run (the caller's guard says so)
  for (const b of batches) {
    const name = `batch ${device}#${b.fromSeq}-${b.toSeq}`;
    const header = batchHeader({ device, fromSeq: b.fromSeq, toSeq: b.toSeq, prev: b.prev, head: b.head });
    if (!batchSignatureValid(header, b.sig, publicKey))
      problems.push(`${name}: signature does not verify with the device key on the ledger`);
  }
  return checkResult('signatures', problems, `${batches.length} batch headers verify with ${device}'s key`);
}

/**
 * `hash-chain`: every record, rebuilt from its stored fields and re-hashed, links prev -> hash up to the
 * signed head of its batch, and seqs run gap-free over the range. `records` must span the batches' ranges.
 */
export function verifyHashChain(
  device: string,
  range: SeqRange,
  batches: readonly StoredBatch[],
  records: readonly StoredRecord[],
  /** Hashes of `records` already recomputed from their fields (by seq), so each is hashed once per answer. */
  rehashed?: ReadonlyMap<number, string>,
): VerificationCheck {
  const problems: string[] = [];
  const bySeq = new Map<number, StoredRecord>();
  const hashOf = new Map<number, string>();
  for (const r of records) {
    const seq = r.record.seq;
    const h = rehashed?.get(seq) ?? rehash(r.record);
    bySeq.set(seq, r);
    hashOf.set(seq, h);
    if (r.record.device !== device)
      problems.push(`${device}#${seq}: stored under ${device} but names ${r.record.device}`);
    else if (h !== r.hash)
      problems.push(`${device}#${seq}: stored reading was changed after ingest (its hash differs)`);
  }
  for (let s = range.fromSeq; s <= range.toSeq; s++) {
    if (!bySeq.has(s)) problems.push(`${device}#${s}: missing from the reading store`);
  }
  // A link already explained by a changed record (previous problem) is not reported twice.
  const explained = (seq: number, pointer: string) =>
    hashOf.get(seq) !== bySeq.get(seq)?.hash && pointer === bySeq.get(seq)?.hash;
  for (const [seq, r] of bySeq) {
    const before = bySeq.get(seq - 1);
    if (!before || r.record.prev === hashOf.get(seq - 1) || explained(seq - 1, r.record.prev)) continue;
    problems.push(`${device}#${seq}: prev does not match the hash of #${seq - 1} (chain broken)`);
  }
  for (const b of batches) {
    const name = `batch ${device}#${b.fromSeq}-${b.toSeq}`;
    const first = bySeq.get(b.fromSeq);
    const last = bySeq.get(b.toSeq);
    if (!first || !last) continue; // reported as missing above when inside the range
    if (first.record.prev !== b.prev)
      problems.push(`${name}: #${b.fromSeq}'s prev differs from the signed header`);
    if (hashOf.get(b.toSeq) !== b.head && !explained(b.toSeq, b.head)) {
      problems.push(`${name}: #${b.toSeq} does not hash to the signed head`);
    }
  }
  let cursor = range.fromSeq;
  for (const b of [...batches].sort((x, y) => x.fromSeq - y.fromSeq)) {
    if (b.fromSeq > cursor && cursor <= range.toSeq) {
      problems.push(
        `${device}#${cursor}-${Math.min(b.fromSeq - 1, range.toSeq)}: covered by no signed batch`,
      );
    }
    cursor = Math.max(cursor, b.toSeq + 1);
  }
  if (cursor <= range.toSeq) problems.push(`${device}#${cursor}-${range.toSeq}: covered by no signed batch`);
  const count = Math.max(0, range.toSeq - range.fromSeq + 1);
  return checkResult(
    'hash-chain',
    problems,
    `${count} readings ${device}#${range.fromSeq}-${range.toSeq} chain up to ${batches.length} signed heads`,
  );
}
