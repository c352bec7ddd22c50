import type { Clock, ReadingRecord, RefusalNotice, Signer, TimerClock } from '@coldtrail/core';
import type { Log } from './log.js';
import type { Outbox, OutboxBatch } from './outbox.js';

/** What the Publisher (publisher.ts) is given, and what it tells its listeners. */
export interface PublisherOptions {
  outbox: Outbox;
  /** One broker URL; or `urls`. */
  url?: string;
  /**
   * Brokers tried in turn for failover: after a failed connect or a lost connection the next one is tried, with
   * the usual backoff. The ingest drops duplicates by (device, seq), so a batch sent to two brokers is harmless.
   */
  urls?: readonly string[];
  org: string;
  device: string;
  /** Stable per device; signed into the connect token. */
  clientId: string;
  signer: Signer;
  /** The device's clock: the time of refusal fault records. */
  clock: Clock;
  /**
   * Network timings: resend and gap timers, PUBACK times, reconnect backoff, the offline-status wait. Never
   * the simulated reading clock (a faster simulation must not shorten a network timeout); default the system
   * clock, a `manualClock` in tests.
   */
  timers?: TimerClock;
  /**
   * Wall time (epoch ms) for connect tokens. The broker checks a token against real time (it limits replay),
   * so a simulated reading clock, which may start anywhere, must not be used here. Default `timers.now`.
   */
  wallNow?: () => number;
  /** Batches published and awaiting PUBACK at most. */
  inflightWindow: number;
  /** A batch PUBACKed but not covered by the ingest's watermark after this long (`timers`) is sent again. */
  resendTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs: number;
  keepaliveS: number;
  /** Quiet time after a PUBACK or ack before the stored-up-to watermark is judged for a gap. */
  gapGraceMs: number;
  /**
   * Next value of the device's connect counter (persisted before it is returned, agent connect-counter.ts):
   * makes every token v2, admitted by the broker even from a wrong clock (core connect-token.ts). Absent: v1.
   */
  connectCounter?: () => number;
  /** Extra fields of the retained online status (e.g. config and alarm state). */
  statusFields?: () => Record<string, unknown>;
  log: Log;
}

export interface PublisherEvents {
  connected: [];
  disconnected: [{ reason: string }];
  /** PUBACK received (queued -> sent). */
  sent: [OutboxBatch];
  acked: [{ storedUpTo: number; batches: OutboxBatch[] }];
  refused: [{ notice: RefusalNotice; batches: OutboxBatch[]; fault: ReadingRecord }];
  /** Batches queued to be sent again: not acked `resendTimeoutMs` after their PUBACK, or above a gap. */
  resent: [{ fromSeqs: number[]; reason: 'timeout' | 'gap' }];
  /** A message on the device's retained config downlink (unparsed: hostile input, the caller validates). */
  config: [Buffer];
  error: [Error];
}
