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
  toSeq: number | null;
  status: 'in-transit' | 'completed';
  createdAt: string;
  completedAt: string | null;
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
}

export interface ProvenanceView {
  shipment: ShipmentEntry;
  device: DeviceEntry;
  custody: CustodyEvent[];
  anchors: AnchorEntry[];
  excursions: ExcursionEntry[];
}
