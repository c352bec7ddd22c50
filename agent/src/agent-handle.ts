import type { AgentConfigMessage, ReadingRecord, RefusalNotice } from '@coldtrail/core';
import type { AlarmMessage } from './local-alarm-state.js';
import type { ActiveAlarm } from './local-alarms.js';
import type { OutboxBatch } from './outbox.js';
import type { Publisher } from './publisher.js';
import type { TypedEmitter } from './typed-emitter.js';

export interface AgentStats {
  /** Records chained and stored since start (faults included). */
  recorded: number;
  /** Fault records among them. */
  faults: number;
  /** Batches cut since start. */
  batches: number;
  /** Batches acknowledged end to end since start. */
  acked: number;
  /** Batches the ingest refused since start. */
  refused: number;
  /** Records in the outbox not yet acknowledged end to end. */
  pendingRecords: number;
  /** The ingest's watermark: every record up to it is stored upstream. */
  storedUpTo: number;
  connected: boolean;
}

export interface AgentEvents {
  record: [ReadingRecord];
  batch: [OutboxBatch];
  acked: [{ storedUpTo: number; batches: OutboxBatch[] }];
  refused: [{ notice: RefusalNotice; batches: OutboxBatch[]; fault: ReadingRecord }];
  connected: [];
  disconnected: [{ reason: string }];
  /** A local alarm raised or cleared (queued for `.../alarms`). */
  alarm: [AlarmMessage];
  error: [Error];
}

type Listener<K extends keyof AgentEvents> = (...args: AgentEvents[K]) => void;

export interface AgentHandle {
  readonly device: string;
  /** Raw Ed25519 public key hex of the device key (register it with the ledger); undefined for a foreign signer. */
  readonly publicKey: string | undefined;
  on<K extends keyof AgentEvents>(event: K, listener: Listener<K>): AgentHandle;
  off<K extends keyof AgentEvents>(event: K, listener: Listener<K>): AgentHandle;
  once<K extends keyof AgentEvents>(event: K, listener: Listener<K>): AgentHandle;
  stats(): AgentStats;
  /** The seq the next record will get. */
  nextSeq(): number;
  /** Local alarms active now (persisted: they survive a restart). */
  alarms(): ActiveAlarm[];
  /** The last accepted `.../config` downlink (persisted), or null. */
  deviceConfig(): AgentConfigMessage | null;
  /** Stops reading sensors (and batches what is left); publishing goes on. */
  stopSampling(): Promise<void>;
  /** Resolves once every record is batched and stored upstream; rejects with TIMEOUT after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void>;
  /** Idempotent: stops sampling, says offline, closes the sources it opened and the outbox. */
  close(): Promise<void>;
}

/** Forwards publisher events to the agent's bus and keeps the counters. */
export function wireEvents(
  publisher: Publisher,
  events: TypedEmitter<AgentEvents>,
  stats: { acked: number; refused: number },
  hooks: { onRefusalFault(record: ReadingRecord): void; prune(): void },
): void {
  publisher.on('connected', () => events.emit('connected'));
  publisher.on('disconnected', (e) => events.emit('disconnected', e));
  publisher.on('error', (e) => events.emit('error', e));
  publisher.on('acked', (e) => {
    stats.acked += e.batches.length;
    events.emit('acked', e);
    hooks.prune();
  });
  publisher.on('refused', (e) => {
    stats.refused += e.batches.length;
    hooks.onRefusalFault(e.fault);
    events.emit('refused', e);
  });
}
