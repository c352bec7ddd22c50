/**
 * What the contract keeps in world state and returns (as JSON with sorted keys). ledger-sync re-exports
 * these as its ledger types (one definition, here, so the chaincode stays deployable on its own).
 * Ledger times come from the transaction timestamp; excursion start/end come from the readings.
 */
export interface DeviceEntry {
  id: string;
  org: string;
  publicKey: string;
  registeredAt: string;
}

export interface ShipmentProfile {
  id: string;
  lowerC: number;
  upperC: number;
  delayMinutes: number;
  samplePeriodSeconds: number;
}

export interface ShipmentEntry {
  sscc: string;
  device: string;
  custodian: string;
  origin: string;
  destination: string;
  product: string;
  profile: ShipmentProfile;
  fromSeq: number;
  /** Last device seq of the shipment once completed; fromSeq - 1 for a shipment closed without readings. */
  toSeq: number | null;
  status: 'in-transit' | 'completed';
  createdAt: string;
  completedAt: string | null;
  /**
   * The shipment's place among the device's shipments (1, 2, ...): key of the device's shipment index, so the
   * shipments before and after it are one read away. Absent on shipments created before the index existed.
   */
  ordinal?: number;
}

/** Per-device pointer to its newest shipment: a device carries at most one open shipment at a time. */
export interface DeviceShipmentHead {
  device: string;
  /** Ordinal of the newest shipment (= how many the device carried). */
  count: number;
  sscc: string;
}

/** One entry of a device's shipment index, in creation order. */
export interface DeviceShipmentRef {
  device: string;
  ordinal: number;
  sscc: string;
}

export interface AnchorEntry {
  device: string;
  fromSeq: number;
  toSeq: number;
  root: string;
  count: number;
  anchoredAt: string;
  txId: string;
}

/** Per-device anchoring watermark, so contiguity is checked with one read. */
export interface AnchorHead {
  device: string;
  upTo: number;
}

export interface ExcursionEntry {
  sscc: string;
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
  /** Why a shipment was closed by hand (e.g. its process died); null otherwise. Absent on older events. */
  reason?: string | null;
}

/** What CompleteShipment takes besides the SSCC and toSeq: the shipment's excursion set, final. */
export interface ShipmentClosing {
  /** Every excursion of the shipment, as evaluated over its readings fromSeq..toSeq. */
  excursions: Omit<ExcursionEntry, 'recordedAt' | 'txId'>[];
  reason: string | null;
}

export interface ProvenanceView {
  shipment: ShipmentEntry;
  device: DeviceEntry;
  custody: CustodyEvent[];
  anchors: AnchorEntry[];
  excursions: ExcursionEntry[];
  /** The device's shipments just before and after this one (by ordinal); null when none or not indexed. */
  previous: ShipmentEntry | null;
  next: ShipmentEntry | null;
}
