export * from './ack.js';
export * from './agent-config-message.js';
export {
  type AlarmExcursion,
  evaluateProfile,
  evaluateZone,
  excursionKey,
  type Sample as AlarmSample,
  type SensorSeries,
} from './alarm-rules.js';
export * from './batch.js';
export * from './canonical.js';
export * from './clock.js';
export * from './config-schema.js';
export * from './connect-token.js';
export * from './epcis/cbv.js';
export * from './epcis/epcis-document-check.js';
export * from './epcis/epcis-export.js';
export * from './epcis/epcis-imports.js';
export * from './errors.js';
export * from './excursion-rules.js';
export * from './gs1.js';
export * from './gs1-identifiers.js';
export * from './hash.js';
export * from './ingest-port.js';
export * from './keys.js';
export * from './ledger-custody.js';
export * from './ledger-entries.js';
export * from './ledger-quality.js';
export * from './lifecycle.js';
export * from './log.js';
export * from './merkle.js';
export {
  DEFAULT_DELTA_H_OVER_R,
  type MktOptions,
  type MktWindow,
  meanKineticTemperature,
  mktWindows,
} from './mkt.js';
export * from './modbus-rtu.js';
export * from './nmea.js';
export * from './nmea-framer.js';
export * from './patterns.js';
export * from './profile.js';
export * from './reading.js';
export type * from './serial-types.js';
export * from './server-alarm-message.js';
export * from './shipment-rules.js';
export * from './topics.js';
