import { resolve } from 'node:path';
import type { Gs1Subject } from '@coldtrail/core';
import { openFabricQuery } from './fabric-query.js';
import { exportCheckpoint } from './ledger/export-tip.js';
import {
  createLedgerClient,
  type LedgerCheckpoint,
  type LedgerReader,
  openLedgerReader,
} from './ledger/index.js';
import type { LedgerVerifyOptions, LedgerVerifyReport } from './ledger/verify-report.js';
import { readLedgerSelection } from './ledger-selection.js';
import type { ShipmentEntry } from './ledger-types.js';
import { type ProvenanceOptions, type ProvenanceReport, provenance } from './provenance.js';
import { queryBase } from './query-common.js';
import { proveReading, type ReadingProof } from './reading-proof.js';
import {
  type SubjectProvenanceOptions,
  type SubjectProvenanceReport,
  subjectProvenance,
} from './subject-provenance.js';

/** Where a data directory keeps ledger-sync's files (the same defaults as the service's config). */
export interface QueryConfig {
  dataDir: string;
  /** Reading store file, relative to dataDir unless absolute. Default readings.db. */
  readingsFile?: string;
  /**
   * Embedded ledger (directory or .sqlite file), relative to dataDir unless absolute. Default: the data dir's
   * own ledger (ledger-selection.ts): its embedded files in dataDir, or the Fabric gateway it records.
   */
  ledgerPath?: string;
}

/**
 * ledger-sync's read-only face, for every command that only reads (provenance, shipment lists, ledger
 * verification, checkpoints). A provenance answer reads one snapshot of the ledger and one of the reading
 * store, and verifies the ledger's block chain and the state it used without replaying the ledger. It opens the embedded ledger and the reading store read-only and creates
 * nothing: the data directory is byte-for-byte the same afterwards (sqlite-files.ts). It takes no lock, so it
 * may run beside the process that writes the directory. The reading store is opened on first use. On a data
 * dir whose ledger is Fabric (ledger-selection.ts) the ledger is read through the gateway (fabric-query.ts).
 */
export interface LedgerSyncQuery {
  provenance(sscc: string, options?: ProvenanceOptions): Promise<ProvenanceReport>;
  /**
   * Provenance of an SSCC, an SGTIN or a lot (subject-provenance.ts), in one snapshot like `provenance`: for an
   * SSCC exactly `provenance`'s report, for an SGTIN or a lot every shipment that carried it.
   */
  subjectProvenance(
    subject: Gs1Subject,
    options?: SubjectProvenanceOptions,
  ): Promise<SubjectProvenanceReport>;
  /** One reading with its Merkle inclusion proof to the on-ledger anchor that covers it (reading-proof.ts). */
  proveReading(device: string, seq: number): Promise<ReadingProof>;
  listShipments(): Promise<ShipmentEntry[]>;
  getShipment(sscc: string): Promise<ShipmentEntry | undefined>;
  /** The newest reading of the device in the store (seq and time), or null when none is stored. */
  newestReading(device: string): Promise<{ seq: number; ts: string } | null>;
  verifyLedger(options?: LedgerVerifyOptions): Promise<LedgerVerifyReport>;
  /** A signed checkpoint of the ledger's tip, once the whole ledger verified (CORRUPTED otherwise). */
  exportTip(): Promise<LedgerCheckpoint>;
  /** Idempotent. */
  close(): Promise<void>;
}

export async function openQuery(config: QueryConfig): Promise<LedgerSyncQuery> {
  const dataDir = resolve(config.dataDir);
  // An explicit ledgerPath names a block store to read (an auditor's copy of a peer's ledger, say); without
  // one, the data dir's own ledger.
  if (config.ledgerPath === undefined) {
    const selection = readLedgerSelection(dataDir);
    if (selection.ledger === 'fabric') return openFabricQuery(config, selection.fabricConnection);
  }
  const reader: LedgerReader = await openLedgerReader(resolve(dataDir, config.ledgerPath ?? '.'));
  const base = queryBase(dataDir, config.readingsFile, createLedgerClient(reader.port));
  const { readings } = base;
  return {
    provenance(sscc, options) {
      const store = readings();
      // One snapshot of each database for the whole answer, and the ledger verified as far as the answer
      // rests on it (verify-evidence.ts); the full replay is verifyLedger's.
      return reader.snapshot((session) =>
        store.readSnapshot(() =>
          provenance(
            {
              ledger: createLedgerClient(session.port),
              store,
              verifyLedger: (o) => session.verifyEvidence(o),
            },
            sscc,
            options,
          ),
        ),
      );
    },
    subjectProvenance(subject, options) {
      const store = readings();
      return reader.snapshot((session) =>
        store.readSnapshot(() =>
          subjectProvenance(
            {
              ledger: createLedgerClient(session.port),
              store,
              verifyLedger: (o) => session.verifyEvidence(o),
            },
            subject,
            options,
          ),
        ),
      );
    },
    proveReading(device, seq) {
      const store = readings();
      return reader.snapshot((session) =>
        store.readSnapshot(() =>
          proveReading(
            { ledger: createLedgerClient(session.port), store, verifyLedger: () => session.verifyEvidence() },
            device,
            seq,
          ),
        ),
      );
    },
    ...base.answers,
    verifyLedger: (options) => reader.verify(options),
    exportTip: () => exportCheckpoint(reader),
    async close() {
      if (await base.close()) await reader.close();
    },
  };
}
