/**
 * The ledger's view of the world, as the chaincode stores it and the typed client returns it.
 * All timestamps are ISO-8601 UTC strings. Ledger times (registeredAt, createdAt...) come from the transaction
 * timestamp; reading times (excursion start/end) come from the readings, i.e. the device clock.
 */
export interface DeviceEntry {
  id: string;
  /** MSP id of the org that registered (owns) the device. */
  org: string;
  publicKey: string;
  registeredAt: string;
}

/** Single-event limits of the shipment's product profile (DESIGN §4). */
export interface ShipmentProfile {
  id: string;
  lowerC: number;
  upperC: number;
  /** Continuous time beyond a limit before it is an excursion. */
  delayMinutes: number;
  /** Nominal sample period of the device, for coverage [t, t + period). */
  samplePeriodSeconds: number;
}

export interface ShipmentEntry {
  sscc: string;
  device: string;
  /** Current custodian org (MSP id). */
  custodian: string;
  origin: string;
  destination: string;
  product: string;
  profile: ShipmentProfile;
  /** First device seq that belongs to this shipment. */
  fromSeq: number;
  /** Last device seq of this shipment; null while in transit. */
  toSeq: number | null;
  status: 'in-transit' | 'completed';
  createdAt: string;
  completedAt: string | null;
}

export interface AnchorEntry {
  device: string;
  fromSeq: number;
  toSeq: number;
  /** RFC 6962-style Merkle root over the record hashes fromSeq..toSeq, hex. */
  root: string;
  count: number;
  anchoredAt: string;
  txId: string;
}

export interface ExcursionEntry {
  sscc: string;
  /** Deterministic id: `${sscc}:${rule}:${direction}:${startMillis}`. */
  id: string;
  rule: 'single-event';
  direction: 'above' | 'below';
  limit: number;
  start: string;
  end: string;
  durationMs: number;
  maxValue: number;
  recordedAt: string;
  txId: string;
}

export interface CustodyEvent {
  sscc: string;
  action: 'created' | 'completed';
  org: string;
  at: string;
  txId: string;
}

export interface ProvenanceView {
  shipment: ShipmentEntry;
  device: DeviceEntry;
  custody: CustodyEvent[];
  /** Anchors of the device overlapping the shipment's seq range. */
  anchors: AnchorEntry[];
  excursions: ExcursionEntry[];
}

/** Typed face of the chaincode; implemented over any LedgerPort. */
export interface LedgerClient {
  registerDevice(device: { id: string; publicKey: string }): Promise<DeviceEntry>;
  getDevice(id: string): Promise<DeviceEntry | undefined>;
  createShipment(
    s: Omit<ShipmentEntry, 'custodian' | 'toSeq' | 'status' | 'createdAt' | 'completedAt'>,
  ): Promise<ShipmentEntry>;
  completeShipment(sscc: string, toSeq: number): Promise<ShipmentEntry>;
  getShipment(sscc: string): Promise<ShipmentEntry | undefined>;
  listShipments(): Promise<ShipmentEntry[]>;
  anchorReadings(a: Omit<AnchorEntry, 'anchoredAt' | 'txId'>): Promise<AnchorEntry>;
  /** Highest seq anchored for the device (0 when none). */
  anchoredUpTo(device: string): Promise<number>;
  anchors(device: string, fromSeq: number, toSeq: number): Promise<AnchorEntry[]>;
  recordExcursion(e: Omit<ExcursionEntry, 'recordedAt' | 'txId'>): Promise<ExcursionEntry>;
  provenance(sscc: string): Promise<ProvenanceView | undefined>;
}
