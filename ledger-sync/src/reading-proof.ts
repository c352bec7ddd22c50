import {
  ColdtrailError,
  ErrorCode,
  inclusionProof,
  isIdentifier,
  type ReadingRecord,
  verifyInclusion,
} from '@coldtrail/core';
import type { LedgerTip } from './ledger/verify-report.js';
import type { AnchorEntry, LedgerClient } from './ledger-types.js';
import type { ReadingStore } from './reading-store.js';
import { rehash } from './verification.js';

/**
 * One reading and the evidence that it is the one anchored on the ledger: its record rebuilt from the store,
 * its hash recomputed from those fields, the on-ledger anchor that covers it, and the RFC 6962 audit path from
 * the hash to that anchor's root. Anyone holding the record and this path can check it against the ledger's
 * root without the rest of the readings (core/README.md, core/vectors/merkle-records.json).
 */
export interface ReadingProof {
  device: string;
  seq: number;
  record: ReadingRecord;
  /** SHA-256 (hex) of the record's RFC 8785 bytes, recomputed here. */
  hash: string;
  anchor: Pick<AnchorEntry, 'fromSeq' | 'toSeq' | 'root' | 'count' | 'txId' | 'anchoredAt'>;
  /** The leaf's place in the anchor's tree (seq - anchor.fromSeq) and the tree's size (anchor.count). */
  index: number;
  size: number;
  /** Audit path, nearest sibling first. */
  path: string[];
  /** The path leads from `hash` to `anchor.root`. */
  included: boolean;
  /** The ledger the anchor was read from, verified as far as this answer rests on it. */
  /** `skipped`: no block-chain check was made, and why (a Fabric ledger's blocks are not held here). */
  ledger: { ok: boolean; tip: LedgerTip | null; problems: string[]; skipped?: string };
}

export interface ReadingProofDeps {
  ledger: Pick<LedgerClient, 'anchors'>;
  store: Pick<ReadingStore, 'records'>;
  verifyLedger: () => Promise<{
    ok: boolean;
    tip: LedgerTip | null;
    problems: { message: string }[];
    skipped?: string;
  }>;
}

export async function proveReading(
  deps: ReadingProofDeps,
  device: string,
  seq: number,
): Promise<ReadingProof> {
  if (!isIdentifier(device)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `"${device}" is not a device id: check the argument`);
  }
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `seq must be an integer >= 1 (got ${seq})`);
  }
  const [anchor] = (await deps.ledger.anchors(device, seq, seq)).filter(
    (a) => a.device === device && a.fromSeq <= seq && a.toSeq >= seq,
  );
  if (!anchor) {
    throw new ColdtrailError(
      ErrorCode.NotFound,
      `no anchor on the ledger covers ${device}#${seq}: it is not anchored yet, or no such reading exists`,
    );
  }
  const records = await deps.store.records(device, anchor.fromSeq, anchor.toSeq);
  const size = anchor.toSeq - anchor.fromSeq + 1;
  if (records.length !== size || records.some((r, i) => r.record.seq !== anchor.fromSeq + i)) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `the reading store lacks readings of the anchor ${device}#${anchor.fromSeq}-${anchor.toSeq}: no proof can be built (restore the store from a backup)`,
    );
  }
  const hashes = records.map((r) => rehash(r.record));
  const index = seq - anchor.fromSeq;
  const hash = hashes[index] as string;
  const path = inclusionProof(hashes, index);
  const ledger = await deps.verifyLedger();
  return {
    device,
    seq,
    record: (records[index] as { record: ReadingRecord }).record,
    hash,
    anchor: {
      fromSeq: anchor.fromSeq,
      toSeq: anchor.toSeq,
      root: anchor.root,
      count: anchor.count,
      txId: anchor.txId,
      anchoredAt: anchor.anchoredAt,
    },
    index,
    size: anchor.count,
    path,
    included: anchor.count === size && verifyInclusion(hash, index, anchor.count, path, anchor.root),
    ledger: {
      ok: ledger.ok,
      tip: ledger.tip,
      problems: ledger.problems.map((p) => p.message),
      ...(ledger.skipped === undefined ? {} : { skipped: ledger.skipped }),
    },
  };
}
