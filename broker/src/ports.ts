/** What the broker is given: who the enrolled devices are, and where verified batches go (defined in core). */
export {
  type DeviceDirectory,
  type DeviceIdentity,
  type IngestOutcome,
  type IngestPort,
  IngestStatus,
} from '@coldtrail/core';
