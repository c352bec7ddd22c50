import type { ReadingRecord, RefusalNotice } from '@coldtrail/core';
import type { BatchRow } from './outbox-statements.js';

export const BatchState = { Queued: 'queued', Sent: 'sent', Acked: 'acked', Refused: 'refused' } as const;
export type BatchState = (typeof BatchState)[keyof typeof BatchState];

export interface OutboxBatch {
  fromSeq: number;
  toSeq: number;
  head: string;
  sig: string;
  state: BatchState;
  createdMs: number;
  refusal?: RefusalNotice;
}

export interface OutboxCounts {
  /** Records held (acknowledged ones disappear after the retention window). */
  records: number;
  /** Records not yet in a batch. */
  unbatched: number;
  /** Records not yet acknowledged end to end (seq above the stored-up-to watermark). */
  pending: number;
  batches: Record<BatchState, number>;
}

export interface RefusalResult {
  batches: OutboxBatch[];
  /** The `ingest-refused` fault record appended to the chain (absent when nothing changed). */
  fault?: ReadingRecord;
}

/** A `batches` row as the outbox hands it out. */
export function toBatch(row: BatchRow): OutboxBatch {
  const b: OutboxBatch = {
    fromSeq: row.from_seq,
    toSeq: row.to_seq,
    head: row.head,
    sig: row.sig,
    state: row.state,
    createdMs: row.created_ms,
  };
  if (row.refusal) b.refusal = JSON.parse(row.refusal) as RefusalNotice;
  return b;
}
