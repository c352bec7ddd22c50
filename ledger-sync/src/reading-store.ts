import type { ReadingRecord, RefusalNotice } from '@coldtrail/core';

/**
 * The off-chain store of verified readings (DESIGN §2.7). SQLite by default (sqlite-reading-store.ts);
 * the interface is asynchronous so a PostgreSQL adapter can implement it unchanged.
 *
 * Records are kept as their fields only (no serialized copy): reports and verification rebuild each record
 * from the stored fields and re-hash it, so an edit of any field at rest shows up as a broken chain.
 */
export interface ReadingStore {
  /** Highest stored seq of a device and that record's hash; `{seq: 0, hash: GENESIS_HASH}` when none. */
  head(device: string): Promise<DeviceHead>;
  /** Hashes recorded at ingest for seqs fromSeq..toSeq that are stored, in seq order. */
  recordHashes(device: string, fromSeq: number, toSeq: number): Promise<StoredHash[]>;
  /** Records rebuilt from their stored fields, seqs fromSeq..toSeq that are stored, in seq order. */
  records(device: string, fromSeq: number, toSeq: number): Promise<StoredRecord[]>;
  /**
   * Stores one verified batch in one transaction, durable when the promise resolves: its new records (which
   * must continue the device's head: first seq = head.seq + 1 and first prev = head.hash) and its signed
   * header. Throws CONFLICT when the head moved, and then stores nothing. The check and the insert are one
   * atomic step against every writer of the store, other processes included (a compare-and-swap on the
   * head): the ingest orders a device's batches on it (ingest.ts). Contract: reading-store.contract.ts.
   */
  appendBatch(batch: StoredBatch, records: readonly StoredRecord[]): Promise<DeviceHead>;
  /** Signed batch headers of a device whose range overlaps fromSeq..toSeq, by fromSeq. */
  batches(device: string, fromSeq: number, toSeq: number): Promise<StoredBatch[]>;
  logRefusal(refusal: Refusal): Promise<void>;
  /** The device's most recent refusals, oldest first. */
  refusals(device: string, limit: number): Promise<RefusalNotice[]>;
  saveAnchor(anchor: AnchorRecord): Promise<void>;
  /** Highest seq this store saw anchored for the device (0 when none). */
  anchoredUpTo(device: string): Promise<number>;
  saveEvaluation(evaluation: ShipmentEvaluation): Promise<void>;
  evaluation(sscc: string): Promise<ShipmentEvaluation | undefined>;
  stats(): Promise<StoreStats>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface DeviceHead {
  seq: number;
  hash: string;
}

export interface StoredHash {
  seq: number;
  hash: string;
}

/** A record with the hash computed (and checked) at ingest. */
export interface StoredRecord {
  record: ReadingRecord;
  hash: string;
}

/** A batch's signed header (core BatchHeader fields) as received. */
export interface StoredBatch {
  device: string;
  fromSeq: number;
  toSeq: number;
  prev: string;
  head: string;
  sig: string;
  /** ISO-8601 UTC, ingest clock. */
  receivedAt: string;
}

export interface Refusal extends RefusalNotice {
  device: string;
}

export interface AnchorRecord {
  device: string;
  fromSeq: number;
  toSeq: number;
  root: string;
  txId: string;
  anchoredAt: string;
}

export interface ShipmentEvaluation {
  sscc: string;
  device: string;
  fromSeq: number;
  toSeq: number;
  excursions: number;
  evaluatedAt: string;
}

export interface StoreStats {
  readings: number;
  batches: number;
  refused: number;
  devices: { device: string; storedUpTo: number; anchoredUpTo: number }[];
}
