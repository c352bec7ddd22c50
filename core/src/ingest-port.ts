import type { AckMessage } from './ack.js';

/**
 * The seam between the broker and whatever verifies and stores batches (ledger-sync): the broker is given a
 * DeviceDirectory and an IngestPort and never imports ledger-sync (DESIGN §1). Defined once, here.
 */
export interface DeviceIdentity {
  device: string;
  org: string;
  /** Raw Ed25519 public key, hex. */
  publicKey: string;
}

export interface DeviceDirectory {
  /** The enrolled identity of a device, or undefined when the device is unknown. */
  lookup(device: string): Promise<DeviceIdentity | undefined>;
}

export const IngestStatus = {
  /** Verified and durably stored. */
  Stored: 'stored',
  /** Already stored earlier (same device, seqs): nothing written, acknowledged again. */
  Duplicate: 'duplicate',
  /** Starts above storedUpTo + 1: not stored, not refused; the device resends from storedUpTo + 1. */
  Gap: 'gap',
  /** Failed verification or was malformed: never stored as valid; logged and notified in the ack. */
  Refused: 'refused',
} as const;
export type IngestStatus = (typeof IngestStatus)[keyof typeof IngestStatus];

export interface IngestOutcome {
  status: IngestStatus;
  /** Human reason for refused/gap. */
  reason?: string;
  /** Stable code for refusals. */
  code?: string;
  /** The ack to publish (retained) on the device's `.../acks` topic. */
  ack: AckMessage;
}

export interface IngestPort {
  /**
   * Verifies and durably stores one batch payload published by `device` (of `org`) on its batches topic.
   * Resolves only once the write is durable (the broker sends PUBACK after that). Rejects when storage itself
   * fails; then no PUBACK goes out and the device resends later.
   */
  ingest(org: string, device: string, payload: Uint8Array): Promise<IngestOutcome>;
}
