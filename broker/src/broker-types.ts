import type { AgentConfigMessage, Clock, Env, ServerAlarmMessage, TimerClock } from '@coldtrail/core';
import type { BatchCounts } from './batch-gate.js';
import type { BrokerLog } from './broker-log.js';
import type { ConnectCounterStore } from './connect-counters.js';
import type { DeviceDirectory, IngestPort } from './ports.js';
import type { ServiceCredential } from './principal.js';

/** What `start()` is given and what it returns. */
export interface BrokerDeps {
  directory: DeviceDirectory;
  ingest: IngestPort;
  /** Checks connect-token freshness; pass the shared simulated clock when devices run on one. */
  clock?: Pick<Clock, 'now'>;
  /** Runs the close-time drain timeout; default the system clock. */
  timers?: TimerClock;
  /** Where `COLDTRAIL_BROKER_<KEY>` overrides come from; default process.env. */
  env?: Env;
  log?: BrokerLog;
  /** Extra read-only principals (e.g. an observer subscribing to acks/status). */
  serviceCredentials?: readonly ServiceCredential[];
  /**
   * Highest v2 connect-token counter accepted per device, kept durably (e.g. `fileConnectCounters(join(dataDir,
   * 'connect-counters.json'))`): lets a device whose clock is wrong connect without letting replays in.
   * Default: in memory (a restart forgets them: fine for the demo, not for a server).
   */
  connectCounters?: ConnectCounterStore;
}

export interface BrokerStats {
  connectedClients: number;
  connectsAccepted: number;
  connectsRefused: number;
  /** Publishes refused by the ACL or size limit (each closed its connection). */
  publishesDenied: number;
  /** Subscriptions answered with SUBACK 0x80. */
  subscriptionsDenied: number;
  /** Batches by ingest outcome; `failed` = the ingest rejected (no PUBACK). */
  batches: BatchCounts;
  /** Batches received whose ingest has not settled yet (queued behind the same device, or running). */
  batchesInFlight: number;
}

export interface BrokerHandle {
  host: string;
  port: number;
  /** e.g. `mqtt://127.0.0.1:41883`. */
  url: string;
  stats(): BrokerStats;
  /**
   * Closes every connection of `device` now (its enrolment was revoked): batches it has in flight get no
   * PUBACK. Whether it may connect again is the directory's answer at its next CONNECT. Answers how many
   * connections were closed.
   */
  disconnectDevice(device: string): number;
  /**
   * Publishes a device's retained `.../config` downlink (the shipment and its profile; `{v:1, shipment:null,
   * profile:null}` once completed). Validated first (INVALID_INPUT); resolves once aedes has stored it.
   */
  publishDeviceConfig(org: string, device: string, message: AgentConfigMessage): Promise<void>;
  /** Publishes a server-side alarm on the device's `.../alarms` topic (QoS 1, not retained); validated first. */
  publishDeviceAlarm(org: string, device: string, message: ServerAlarmMessage): Promise<void>;
  /** Stops accepting, lets admitted batches finish (so their PUBACKs go out), closes clients and the server. */
  close(): Promise<void>;
}
