import type { AckMessage } from '@coldtrail/core';

/**
 * The broker's ports (broker/src/ports.ts), declared again here because ledger-sync must not import the
 * broker (DESIGN §1: the broker reaches storage through interfaces it is given). TypeScript's structural
 * typing makes these satisfy the broker's declarations; keep the two in step.
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
  Stored: 'stored',
  Duplicate: 'duplicate',
  Gap: 'gap',
  Refused: 'refused',
} as const;
export type IngestStatus = (typeof IngestStatus)[keyof typeof IngestStatus];

export interface IngestOutcome {
  status: IngestStatus;
  reason?: string;
  code?: string;
  ack: AckMessage;
}

export interface IngestPort {
  ingest(org: string, device: string, payload: Uint8Array): Promise<IngestOutcome>;
}
