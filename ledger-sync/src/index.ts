export { type Anchorer, type AnchorerOptions, createAnchorer } from './anchoring.js';
export {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  MAX_BUNDLE_BYTES,
  type ProvenanceBundle,
  parseBundle,
} from './bundle/bundle-format.js';
export type { BundleCheck } from './bundle/bundle-ledger.js';
export {
  type BundleVerification,
  type BundleVerifyOptions,
  verifyBundle,
  verifyBundleBytes,
} from './bundle/bundle-verify.js';
export { type BundleSource, buildProvenanceBundle } from './bundle/bundle-write.js';
export {
  type LedgerSyncConfig,
  type LedgerSyncConfigInput,
  LedgerSyncConfigSchema,
  parseLedgerSyncConfig,
} from './config.js';
export { type DataDirLock, ensureWritableDir, LOCK_FILE, lockDataDir } from './data-dir-lock.js';
export { type OpenedLedger, openDefaultLedger } from './default-ledger.js';
export { createLedgerDirectory, type LedgerDirectory } from './device-directory.js';
export type { ExcursionAlarm, ExcursionListener } from './excursion-alarms.js';
export {
  detectShipmentExcursions,
  type ExcursionInput,
  evaluateShipment,
  excursionId,
  toExcursionInputs,
} from './excursion-engine.js';
export {
  type FabricConnection,
  type FabricConnectionConfig,
  FabricConnectionSchema,
  loadFabricConnection,
} from './fabric/fabric-config.js';
export { type FabricPhase, fabricCommitError, fabricError } from './fabric/fabric-errors.js';
export type {
  ChaincodeEvent,
  ChaincodeEventListener,
  ChaincodeEventsOptions,
} from './fabric/fabric-events.js';
export { type FabricLedger, openFabricLedger } from './fabric/fabric-ledger.js';
export { createIngest, type IngestOptions } from './ingest.js';
export type {
  DeviceDirectory,
  DeviceIdentity,
  IngestOutcome,
  IngestPort,
} from './ingest-port.js';
export { IngestStatus } from './ingest-port.js';
export * from './ledger/index.js';
export type { CarrierView, TraceView } from './ledger/subject-schemas.js';
export {
  type EventSourceDeps,
  type EventSourceTarget,
  type LedgerEvent,
  type LedgerEventSource,
  openEventSource,
  type ReadEventsOptions,
  showValue,
} from './ledger-events.js';
export type { LedgerPort, SubmitResult } from './ledger-port.js';
export {
  LEDGER_SELECTION_FILE,
  type LedgerSelection,
  readLedgerSelection,
  selectServerLedger,
} from './ledger-selection.js';
export type * from './ledger-types.js';
export { type Log, silentLog, stderrLog } from './log.js';
export {
  listShippedProfiles,
  loadProfileFile,
  MAX_PROFILE_FILE_BYTES,
  shippedProfile,
} from './profiles.js';
export {
  type ExcursionSummary,
  type ProvenanceDeps,
  type ProvenanceOptions,
  type ProvenanceReport,
  provenance,
  type ReadingSummary,
} from './provenance.js';
export { type LedgerSyncQuery, openQuery, type QueryConfig } from './query.js';
export type { ReadingProof } from './reading-proof.js';
export type * from './reading-store.js';
export {
  type CompletedShipment,
  type CompletionDeps,
  type CompletionOptions,
  completeShipment,
} from './shipment-completion.js';
export { SqliteReadingStore } from './sqlite-reading-store.js';
export { type LedgerSyncDeps, type LedgerSyncHandle, type ShipmentInput, start } from './start.js';
export {
  type CarriedShipment,
  type ItemProvenanceReport,
  type RecallScope,
  type RecallSite,
  type SsccProvenanceReport,
  type SubjectProvenanceDeps,
  type SubjectProvenanceOptions,
  type SubjectProvenanceReport,
  subjectProvenance,
} from './subject-provenance.js';
export type { LedgerVerifier, Verification, VerificationCheck } from './verification.js';
export { verifyAnchors } from './verify-anchors.js';
export { type SeqRange, verifyHashChain, verifySignatures } from './verify-readings.js';
