export type { BatchCounts } from './batch-gate.js';
export { start } from './broker.js';
export {
  BROKER_DEFAULTS,
  type BrokerConfig,
  type ResolvedBrokerConfig,
  resolveBrokerConfig,
} from './broker-config.js';
export { type BrokerLog, stderrLog } from './broker-log.js';
export type { BrokerDeps, BrokerHandle, BrokerStats } from './broker-types.js';
export { type ConnectCounterStore, fileConnectCounters, memoryConnectCounters } from './connect-counters.js';
export * from './ports.js';
export { ConnackCode, clientIdBelongsTo, type ServiceCredential } from './principal.js';
