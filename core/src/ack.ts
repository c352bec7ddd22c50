import { ColdtrailError, ErrorCode } from './errors.js';
import { isHash, isIdentifier } from './patterns.js';

/**
 * Ingest -> device acknowledgement, published retained on `.../acks` after every batch the ingest handled.
 * MQTT 3.1.1 has no negative acknowledgement, so refusals travel here: the agent deletes nothing above
 * `storedUpTo` and marks the listed ranges as refused (it keeps their records and reports a fault).
 */
export interface AckMessage {
  v: 1;
  device: string;
  /** Highest seq stored durably for this device (0 when nothing is stored). */
  storedUpTo: number;
  /**
   * Hash of the stored record `storedUpTo` (GENESIS_HASH when nothing is stored). A seq alone cannot tell
   * whose chain it belongs to: a device whose outbox was replaced restarts at #1, and must not take the
   * ingest's watermark of its old chain as an acknowledgement of the new one.
   */
  storedHead: string;
  /** Most recent refusals for this device, newest last (bounded list). */
  refused: RefusalNotice[];
}

export interface RefusalNotice {
  fromSeq: number;
  toSeq: number;
  /** Stable error code (ColdtrailError code). */
  code: string;
  reason: string;
  /** ISO-8601 UTC time of the refusal (ingest clock). */
  at: string;
}

/** Most refusals carried in one ack message. */
export const MAX_ACK_REFUSALS = 20;

export function parseAck(payload: Uint8Array | string): AckMessage {
  let v: unknown;
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload));
  } catch (cause) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'ack payload is not JSON', { cause });
  }
  const a = v as Partial<AckMessage>;
  const ok =
    typeof a === 'object' &&
    a !== null &&
    a.v === 1 &&
    isIdentifier(a.device) &&
    Number.isSafeInteger(a.storedUpTo) &&
    (a.storedUpTo as number) >= 0 &&
    isHash(a.storedHead) &&
    Array.isArray(a.refused) &&
    a.refused.every(
      (r) =>
        Number.isSafeInteger(r?.fromSeq) &&
        Number.isSafeInteger(r?.toSeq) &&
        typeof r?.code === 'string' &&
        typeof r?.reason === 'string' &&
        typeof r?.at === 'string',
    );
  if (!ok)
    throw new ColdtrailError(ErrorCode.InvalidInput, 'ack payload does not match the ack message format');
  return a as AckMessage;
}
