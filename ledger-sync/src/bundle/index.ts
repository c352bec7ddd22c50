/**
 * `@coldtrail/ledger-sync/bundle`: what `coldtrail verify FILE` needs and nothing more. The package's main entry
 * loads the Fabric gateway, gRPC and the whole service (~0.4 s of CPU before any work); checking a bundle
 * offline needs none of it, so the CLI's verify command (and --expect-tip's checkpoint parser) import this.
 */
export { type LedgerCheckpoint, parseCheckpoint } from '../ledger/checkpoint.js';
export { MAX_BUNDLE_BYTES } from './bundle-format.js';
export { type BundleVerification, verifyBundleBytes } from './bundle-verify.js';
