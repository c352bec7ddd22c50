export { type AgentDeps, OUTBOX_FILE, start, start as startAgent } from './agent.js';
export type { AgentEvents, AgentHandle, AgentStats } from './agent-handle.js';
export * from './agent-status.js';
export * from './agent-yaml.js';
export * from './agent-yaml-template.js';
export * from './broker-urls.js';
export * from './config.js';
export { CONNECT_COUNTER_FILE } from './connect-counter.js';
export * from './device-key.js';
export * from './disk-budget.js';
export * from './gpio/alarm-output.js';
export * from './gpio/door-source.js';
export * from './gpio/gpio-address.js';
export {
  GpioDirection,
  type GpioLevel,
  type GpioPort,
  type GpioPortOptions,
  type OpenGpioPort,
} from './gpio/gpio-port.js';
export { openGpioPort } from './gpio/open-gpio-port.js';
export {
  type AlarmMessage,
  LOCAL_STATE_FILE,
  type LocalState,
  readLocalState,
} from './local-alarm-state.js';
export { type ActiveAlarm, AlarmRule } from './local-alarms.js';
export * from './log.js';
export * from './modbus/bus-registry.js';
export * from './modbus/modbus-address.js';
export * from './modbus/modbus-source.js';
export * from './nmea/nmea-address.js';
export { type NmeaSourceDeps, openNmeaSource } from './nmea/nmea-source.js';
export * from './open-source.js';
export * from './outbox.js';
export { corruptOutboxes, openCheckedOutbox } from './outbox-integrity.js';
export { OUTBOX_PRAGMAS, OUTBOX_SCHEMA_VERSION } from './outbox-schema.js';
export { Publisher, type PublisherEvents, type PublisherOptions } from './publisher.js';
export * from './sampling-config.js';
export * from './sensor-source.js';
export * from './status-file.js';
export { crc8 as ds18b20Crc8, DS18B20_RANGE, parseW1Slave, type W1SlaveResult } from './w1/ds18b20.js';
export * from './w1/w1-address.js';
export * from './w1/w1-source.js';
