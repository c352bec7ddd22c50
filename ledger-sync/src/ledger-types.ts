import type {
  AnchorEntry,
  DeviceEntry,
  DispositionStep,
  ExcursionEntry,
  ImportedEventView,
  LedgerPage,
  ProvenanceView,
  QualitySubject,
  ShipmentClosing,
  ShipmentEntry,
  StabilityBudgetDefinition,
  StabilityBudgetStatus,
  StabilityConsumption,
  StabilitySubject,
} from '@coldtrail/core';
import type { TraceView } from './ledger/subject-schemas.js';

/**
 * The ledger's view of the world, as the chaincode stores it and the typed client returns it. The entry
 * shapes are core's ledger-entries.ts (one definition for the chaincode, this client and every reader). All timestamps
 * are ISO-8601 UTC strings: ledger times from the transaction timestamp, excursion start/end from the readings.
 */
export type {
  AnchorEntry,
  CustodyEvent,
  DeviceEntry,
  ExcursionEntry,
  ProvenanceView,
  ShipmentClosing,
  ShipmentEntry,
  ShipmentProfile,
} from '@coldtrail/core';

/** Typed face of the chaincode; implemented over any LedgerPort. */
export interface LedgerClient {
  registerDevice(device: { id: string; publicKey: string }): Promise<DeviceEntry>;
  getDevice(id: string): Promise<DeviceEntry | undefined>;
  /** Revokes the device for good (only its org may); a second revocation answers the first. */
  revokeDevice(id: string, reason: string | null): Promise<DeviceEntry>;
  createShipment(
    s: Omit<ShipmentEntry, 'custodian' | 'toSeq' | 'status' | 'createdAt' | 'completedAt' | 'ordinal'>,
  ): Promise<ShipmentEntry>;
  /** Completes at `toSeq` with the shipment's final excursion set, in one transaction. */
  completeShipment(sscc: string, toSeq: number, closing: ShipmentClosing): Promise<ShipmentEntry>;
  getShipment(sscc: string): Promise<ShipmentEntry | undefined>;
  /** The shipment the device carries now (in transit), if any. */
  openShipment(device: string): Promise<ShipmentEntry | undefined>;
  listShipments(): Promise<ShipmentEntry[]>;
  anchorReadings(a: Omit<AnchorEntry, 'anchoredAt' | 'txId'>): Promise<AnchorEntry>;
  /** Highest seq anchored for the device (0 when none). */
  anchoredUpTo(device: string): Promise<number>;
  anchors(device: string, fromSeq: number, toSeq: number): Promise<AnchorEntry[]>;
  recordExcursion(e: Omit<ExcursionEntry, 'recordedAt' | 'txId'>): Promise<ExcursionEntry>;
  provenance(sscc: string): Promise<ProvenanceView | undefined>;
  // --- lot / SGTIN traces, dispositions and stability budgets (ledger/subject-schemas.ts) ---
  /** Every shipment that carried the lot (directly or inside containers), its receipts and dispenses. */
  queryLot(gtin: string, lot: string): Promise<TraceView>;
  querySgtin(gtin: string, serial: string): Promise<TraceView>;
  /** The subject's current disposition, if it has one. */
  getDisposition(subject: QualitySubject): Promise<DispositionStep | undefined>;
  /** One page of the subject's disposition trail, oldest first (bookmark '' for the first page). */
  getDispositionTrail(
    subject: QualitySubject,
    pageSize: number,
    bookmark: string,
  ): Promise<LedgerPage<DispositionStep>>;
  getStabilityBudget(subject: StabilitySubject): Promise<StabilityBudgetStatus>;
  /** Needs a caller with coldtrail.role=quality; the same definition again answers the stored version. */
  defineStabilityBudget(b: StabilityBudgetInput): Promise<StabilityBudgetDefinition>;
  /** One record per (subject, source); a retry with the same minutes answers the stored record. */
  consumeStabilityBudget(c: StabilityConsumptionInput): Promise<StabilityConsumption>;
  /** Partner EPCIS events imported naming this EPC / EPC class URI (ledger/epcis-import-schemas.ts). */
  listImportedEvents(epc: string): Promise<ImportedEventView[]>;
}

export type StabilityBudgetInput = Pick<
  StabilityBudgetDefinition,
  'gtin' | 'lowerC' | 'upperC' | 'allowedMinutes'
>;
export type StabilityConsumptionInput = Pick<StabilityConsumption, 'subject' | 'minutes' | 'source'>;
