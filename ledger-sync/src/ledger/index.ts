export { chaincodeError } from './chaincode-error.js';
export {
  CHECKPOINT_TYPE,
  certificateFingerprint,
  type LedgerCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from './checkpoint.js';
export { type EmbeddedLedger, type EmbeddedLedgerOptions, openEmbeddedLedger } from './embedded-ledger.js';
export {
  type BlockView,
  compositeKey,
  type KeyVersion,
  type LedgerBrowser,
  openLedgerBrowser,
  parseReadableKey,
  type ShownValue,
  type TxSummary,
  type TxView,
} from './ledger-browse.js';
export { createLedgerClient } from './ledger-client.js';
export { type LedgerPaths, resolveLedgerPaths } from './ledger-db.js';
export { type LedgerReader, openLedgerReader } from './ledger-reader.js';
export { verifyLedger } from './verify-ledger.js';
export {
  LedgerCheck,
  type LedgerProblem,
  type LedgerTip,
  type LedgerVerifyOptions,
  type LedgerVerifyReport,
} from './verify-report.js';
