import { type AckMessage, ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { BrokerLog } from './broker-log.js';
import { createKeyedQueue } from './keyed-queue.js';
import { type DeviceIdentity, type IngestOutcome, type IngestPort, IngestStatus } from './ports.js';

export type BatchCounts = Record<IngestStatus | 'failed', number>;

export interface BatchGateDeps {
  ingest: IngestPort;
  /** Publishes the retained ack on the device's acks topic; resolves once aedes has taken it. */
  publishAck(org: string, device: string, ack: AckMessage): Promise<void>;
  log: BrokerLog;
}

/** The part of a PUBLISH packet the gate reads (and, for `retain`, writes). */
export interface BatchPacket {
  payload: Buffer | string;
  retain: boolean;
}

/**
 * Ack-after-durable-write for the batches channel. `admit` resolves only when the ingest has decided the batch
 * (stored durably, duplicate, gap or refused) AND its ack has been handed to aedes; the caller then lets the
 * PUBACK go. It rejects when the ingest itself fails (storage error) or the client is gone: the caller turns
 * that into an authorizePublish error, which makes aedes close the connection without PUBACK
 * ([MQTT-3.3.5-2]: a server that does not accept a PUBLISH either acks it or closes the connection), and the
 * device resends after reconnecting.
 *
 * Forwarding: only batches the ingest STORED are forwarded to other subscribers (e.g. an observer); refused,
 * gap and duplicate batches are acknowledged to the device but never forwarded, so nobody downstream mistakes
 * them for valid data. `mayForward` is fail-closed: it knows payload buffers by identity (aedes-packet keeps
 * the payload reference from authorizePublish to authorizeForward with the memory persistence used here).
 */
export function createBatchGate(deps: BatchGateDeps) {
  const queue = createKeyedQueue();
  const forwardable = new WeakSet<object>();
  const counts: BatchCounts = { stored: 0, duplicate: 0, gap: 0, refused: 0, failed: 0 };
  let inFlight = 0;

  async function decide(
    identity: DeviceIdentity,
    packet: BatchPacket,
    clientGone: () => boolean,
  ): Promise<IngestOutcome> {
    const { org, device } = identity;
    if (clientGone()) {
      throw new ColdtrailError(ErrorCode.Unavailable, `${device} disconnected before its batch was handled`);
    }
    const bytes = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let outcome: IngestOutcome;
    try {
      outcome = await deps.ingest.ingest(org, device, bytes);
    } catch (cause) {
      counts.failed++;
      const reason = cause instanceof Error ? cause.message : String(cause);
      deps.log.error('ingest-failed', {
        device,
        reason,
        action: 'disconnect without PUBACK; device resends',
      });
      throw new ColdtrailError(ErrorCode.Unavailable, `ingest failed for ${device}: ${reason}`, { cause });
    }
    if (outcome.ack?.device !== device) {
      counts.failed++;
      deps.log.error('ingest-bad-ack', { device, ackDevice: outcome.ack?.device });
      throw new ColdtrailError(
        ErrorCode.Corrupted,
        `ingest returned an ack for another device than ${device}`,
      );
    }
    counts[outcome.status]++;
    const fields = { device, bytes: bytes.byteLength, storedUpTo: outcome.ack.storedUpTo };
    if (outcome.status === IngestStatus.Refused || outcome.status === IngestStatus.Gap) {
      deps.log.warn(`batch-${outcome.status}`, { ...fields, code: outcome.code, reason: outcome.reason });
    } else {
      deps.log.info(`batch-${outcome.status}`, fields);
    }
    await deps.publishAck(org, device, outcome.ack);
    if (outcome.status === IngestStatus.Stored && typeof packet.payload === 'object') {
      forwardable.add(packet.payload);
    }
    return outcome;
  }

  return {
    /** Serialised per device so the ingest's chain-continuity check never races. */
    admit(identity: DeviceIdentity, packet: BatchPacket, clientGone: () => boolean): Promise<IngestOutcome> {
      // Batches are transport, not state: a retained batch would be replayed to every new subscriber.
      packet.retain = false;
      inFlight++;
      const done = queue.run(identity.device, () => decide(identity, packet, clientGone));
      void done.then(
        () => inFlight--,
        () => inFlight--,
      );
      return done;
    },
    mayForward(payload: unknown): boolean {
      return typeof payload === 'object' && payload !== null && forwardable.has(payload);
    },
    /** Resolves when every admitted batch has settled. */
    idle: () => queue.idle(),
    counts: (): BatchCounts => ({ ...counts }),
    /** Batches admitted whose ingest/ack has not settled yet (queued or running). */
    inFlight: () => inFlight,
  };
}

export type BatchGate = ReturnType<typeof createBatchGate>;
