import type Sqlite from 'better-sqlite3';
import type { BatchState } from './outbox-types.js';

export interface ChainRow {
  device: string;
  head_seq: number;
  head_hash: string;
  batched_up_to: number;
  stored_up_to: number;
}

export interface BatchRow {
  from_seq: number;
  to_seq: number;
  head: string;
  sig: string;
  state: BatchState;
  created_ms: number;
  refusal: string | null;
}

type Stmt<P extends unknown[] = [], R = unknown> = Sqlite.Statement<P, R>;

export interface OutboxStatements {
  chain: Stmt<[], ChainRow>;
  initChain: Stmt<[string, string]>;
  setHead: Stmt<[number, string]>;
  setBatchedUpTo: Stmt<[number]>;
  setStoredUpTo: Stmt<[number]>;
  insertRecord: Stmt<[number, number, string, string]>;
  lastRecord: Stmt<[], { seq: number; hash: string; body: string }>;
  recordTs: Stmt<[number], number>;
  recordBody: Stmt<[number], string>;
  recordHash: Stmt<[number], string>;
  bodies: Stmt<[number, number], string>;
  recordCount: Stmt<[], number>;
  insertBatch: Stmt<[number, number, string, string, number]>;
  batch: Stmt<[number], BatchRow>;
  batchContaining: Stmt<[number], BatchRow>;
  pending: Stmt<[number, number], BatchRow>;
  markSent: Stmt<[number]>;
  markAcked: Stmt<[number], BatchRow>;
  markRefused: Stmt<[string, number, number], BatchRow>;
  pruneRecords: Stmt<[number, number]>;
  pruneBatches: Stmt;
  pruneOldestAcked: Stmt<[number, number]>;
  batchCounts: Stmt<[], { state: BatchState; n: number }>;
}

const BATCH_COLS = 'from_seq, to_seq, head, sig, state, created_ms, refusal';

/** Every statement the outbox runs, prepared once when it opens. */
export function prepareStatements(db: Sqlite.Database): OutboxStatements {
  const get = <R, P extends unknown[] = []>(sql: string) => db.prepare<P, R>(sql);
  const pluck = <R, P extends unknown[] = []>(sql: string) => db.prepare<P, R>(sql).pluck();
  return {
    chain: get<ChainRow>(
      'SELECT device, head_seq, head_hash, batched_up_to, stored_up_to FROM chain WHERE id = 1',
    ),
    initChain: db.prepare<[string, string]>(
      'INSERT INTO chain (id, device, head_seq, head_hash, batched_up_to, stored_up_to) VALUES (1, ?, 0, ?, 0, 0)',
    ),
    setHead: db.prepare<[number, string]>('UPDATE chain SET head_seq = ?, head_hash = ? WHERE id = 1'),
    setBatchedUpTo: db.prepare<[number]>('UPDATE chain SET batched_up_to = ? WHERE id = 1'),
    setStoredUpTo: db.prepare<[number]>('UPDATE chain SET stored_up_to = ? WHERE id = 1'),
    insertRecord: db.prepare<[number, number, string, string]>(
      'INSERT INTO records (seq, ts_ms, hash, body) VALUES (?, ?, ?, ?)',
    ),
    lastRecord: get<{ seq: number; hash: string; body: string }>(
      'SELECT seq, hash, body FROM records ORDER BY seq DESC LIMIT 1',
    ),
    recordTs: pluck<number, [number]>('SELECT ts_ms FROM records WHERE seq = ?'),
    recordBody: pluck<string, [number]>('SELECT body FROM records WHERE seq = ?'),
    recordHash: pluck<string, [number]>('SELECT hash FROM records WHERE seq = ?'),
    bodies: pluck<string, [number, number]>(
      'SELECT body FROM records WHERE seq BETWEEN ? AND ? ORDER BY seq',
    ),
    recordCount: pluck<number>('SELECT count(*) FROM records'),
    insertBatch: db.prepare<[number, number, string, string, number]>(
      "INSERT INTO batches (from_seq, to_seq, head, sig, state, created_ms) VALUES (?, ?, ?, ?, 'queued', ?)",
    ),
    batch: get<BatchRow, [number]>(`SELECT ${BATCH_COLS} FROM batches WHERE from_seq = ?`),
    batchContaining: get<BatchRow, [number]>(
      `SELECT ${BATCH_COLS} FROM batches WHERE from_seq <= ? ORDER BY from_seq DESC LIMIT 1`,
    ),
    pending: get<BatchRow, [number, number]>(
      `SELECT ${BATCH_COLS} FROM batches WHERE state IN ('queued', 'sent') AND from_seq > ?
       ORDER BY from_seq LIMIT ?`,
    ),
    markSent: db.prepare<[number]>(
      "UPDATE batches SET state = 'sent' WHERE from_seq = ? AND state = 'queued'",
    ),
    markAcked: get<BatchRow, [number]>(
      `UPDATE batches SET state = 'acked' WHERE to_seq <= ? AND state IN ('queued', 'sent')
       RETURNING ${BATCH_COLS}`,
    ),
    // Overlap of [from_seq, to_seq] with the notice's [fromSeq, toSeq]; parameters: refusal, toSeq, fromSeq.
    markRefused: get<BatchRow, [string, number, number]>(
      `UPDATE batches SET state = 'refused', refusal = ?
       WHERE from_seq <= ? AND to_seq >= ? AND state IN ('queued', 'sent') RETURNING ${BATCH_COLS}`,
    ),
    // A record goes only if it is at or below the watermark, older than the cutoff, and the batch holding it is
    // acked (so never a record of a refused, queued or sent batch). Parameters: storedUpTo, cutoff ts_ms.
    pruneRecords: db.prepare<[number, number]>(
      `DELETE FROM records WHERE seq <= ? AND ts_ms < ? AND (
         SELECT b.state FROM batches b WHERE b.from_seq <= records.seq ORDER BY b.from_seq DESC LIMIT 1
       ) = 'acked'`,
    ),
    // The oldest acknowledged records regardless of age, to make room under the disk budget (disk-budget.ts).
    // Parameters: storedUpTo, how many at most.
    pruneOldestAcked: db.prepare<[number, number]>(
      `DELETE FROM records WHERE seq IN (
         SELECT seq FROM records WHERE seq <= ? AND (
           SELECT b.state FROM batches b WHERE b.from_seq <= records.seq ORDER BY b.from_seq DESC LIMIT 1
         ) = 'acked' ORDER BY seq LIMIT ?)`,
    ),
    // An acked batch goes once none of its records is left.
    pruneBatches: db.prepare(
      `DELETE FROM batches WHERE state = 'acked'
       AND NOT EXISTS (SELECT 1 FROM records r WHERE r.seq BETWEEN batches.from_seq AND batches.to_seq)`,
    ),
    batchCounts: get<{ state: BatchState; n: number }>(
      'SELECT state, count(*) AS n FROM batches GROUP BY state',
    ),
  };
}
