/** The ports ledger-sync implements for the broker (defined once in core; ledger-sync never imports the broker). */
export {
  type DeviceDirectory,
  type DeviceIdentity,
  type IngestOutcome,
  type IngestPort,
  IngestStatus,
} from '@coldtrail/core';
