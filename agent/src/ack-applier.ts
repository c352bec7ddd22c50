import { type AckMessage, parseAck, type ReadingRecord, type RefusalNotice } from '@coldtrail/core';
import { errorMessage, type Log } from './log.js';
import type { Outbox, OutboxBatch } from './outbox.js';

export interface AckOutcome {
  storedUpTo: number;
  /** Batches this ack acknowledged (newly). */
  acked: OutboxBatch[];
  /** Refusals that changed something: the batches now refused and the fault record chained for them. */
  refusals: { notice: RefusalNotice; batches: OutboxBatch[]; fault: ReadingRecord }[];
}

/**
 * Applies one message from the device's acks topic to the outbox. The topic is written by the ingest, but
 * anything off the wire is untrusted: a malformed message, one for another device, or a watermark above what
 * this device ever batched is logged and ignored (undefined), never applied and never fatal. Retained acks
 * arrive again after every reconnect, so applying the same ack twice changes nothing.
 */
export function applyAck(outbox: Outbox, payload: Buffer, nowMs: number, log: Log): AckOutcome | undefined {
  let ack: AckMessage;
  try {
    ack = parseAck(payload);
    if (ack.device !== outbox.device) throw new Error(`ack is for device ${ack.device}`);
  } catch (err) {
    log.warn('ignoring a malformed ack', { error: errorMessage(err), bytes: payload.length });
    return undefined;
  }
  try {
    // The ingest holding more of this device than it ever batched means the device's chain forked (its outbox
    // was lost or replaced and seqs restarted) or the ack is hostile: acknowledge nothing on its word, but
    // still take its refusals, which is how a forked chain gets reported instead of resent forever.
    // The watermark must name our own record: same seq AND same hash (a replaced outbox restarts at #1 and can
    // run past the ingest's watermark of the old chain before it reconnects).
    const forked =
      ack.storedUpTo > outbox.batchedUpTo() ||
      (ack.storedUpTo > outbox.storedUpTo() && outbox.hashAt(ack.storedUpTo) !== ack.storedHead);
    if (forked) {
      log.warn(
        'ignoring the watermark of an ack that does not match this outbox (forked chain after a lost outbox?)',
        {
          storedUpTo: ack.storedUpTo,
          batchedUpTo: outbox.batchedUpTo(),
        },
      );
    }
    const acked = forked ? [] : outbox.acknowledge(ack.storedUpTo);
    const refusals: AckOutcome['refusals'] = [];
    for (const notice of ack.refused) {
      if (notice.fromSeq > notice.toSeq || (!forked && notice.toSeq <= ack.storedUpTo)) continue;
      const r = outbox.refuse(notice, nowMs);
      if (!r.fault) continue;
      log.error('ingest refused a batch; its records are kept and a fault was recorded', {
        fromSeq: notice.fromSeq,
        toSeq: notice.toSeq,
        code: notice.code,
        reason: notice.reason,
      });
      refusals.push({ notice, batches: r.batches, fault: r.fault });
    }
    return { storedUpTo: outbox.storedUpTo(), acked, refusals };
  } catch (err) {
    log.warn('ignoring an ack that does not fit this device', { error: errorMessage(err) });
    return undefined;
  }
}
