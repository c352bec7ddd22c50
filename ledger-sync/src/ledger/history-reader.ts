import type Database from 'better-sqlite3';
import type { HistoryEntry, StateReader } from './simulation-stub.js';

/**
 * Key history for getHistoryForKey, read from the committed `history` table (one row per valid write; a delete
 * is a NULL value), newest first by ledger height as Fabric >= 2.0 answers (FAB-16303). The table has no
 * timestamp column; the timestamp Fabric reports is the transaction's own (the client's, signed into the
 * proposal header), so it is taken from the stored envelope of the transaction that wrote the row.
 */
interface HistoryRow {
  tx_id: string;
  value: Buffer | null;
  timestamp: string | null;
}

export function dbHistoryReader(db: Database.Database): (key: string) => HistoryEntry[] {
  const select = db.prepare<[Buffer], HistoryRow>(
    `SELECT h.tx_id, h.value, json_extract(t.envelope, '$.payload.timestamp') AS timestamp
       FROM history h LEFT JOIN transactions t ON t.tx_id = h.tx_id
      WHERE h.key = ? ORDER BY h.block_number DESC, h.tx_index DESC`,
  );
  return (key) =>
    select.all(Buffer.from(key, 'utf8')).map((row) => {
      const ms = row.timestamp === null ? Number.NaN : Date.parse(row.timestamp);
      if (!Number.isFinite(ms)) {
        // A history row without its transaction is damage `ledger verify` reports; a query must not invent a time.
        throw new Error(`history of a key names transaction ${row.tx_id}, whose stored timestamp is missing`);
      }
      return { txId: row.tx_id, value: row.value, timestampMs: ms };
    });
}

/** The committed state reader with key history added. */
export function withHistory(reader: StateReader, db: Database.Database): StateReader {
  return { ...reader, history: dbHistoryReader(db) };
}
