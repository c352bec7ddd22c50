/**
 * The embedded ledger's chaincode events, read from its database opened read-only (as `ledger verify` and
 * the browsing commands open it): each transaction's envelope holds its event (`$.payload.event`, the
 * name and the payload in base64, or null), and only VALID transactions count, as on Fabric, whose
 * ChaincodeEvents delivers the events of valid transactions only. A writer may hold the ledger meanwhile
 * (WAL): every page is one query, so it sees whole blocks only, and following a ledger a server commits to
 * is polling it (no lock is taken, nothing is written).
 */
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { Checkpointer } from '@hyperledger/fabric-gateway';
import { openLedgerDbReadonly, resolveLedgerPaths } from './ledger/ledger-db.js';
import {
  type EventSourceDeps,
  type LedgerEventSource,
  openEventCheckpoint,
  pause,
  type ReadEventsOptions,
} from './ledger-events.js';

const PAGE = 200;
const POLL_MS = 300;

interface EventRow {
  block_number: number;
  tx_index: number;
  tx_id: string;
  event: string | null;
}

/** A position in commit order: the events after transaction `txIndex` of block `block`. */
interface Position {
  block: number;
  txIndex: number;
}

export function openEmbeddedEventSource(dataDir: string, deps: EventSourceDeps = {}): LedgerEventSource {
  const paths = resolveLedgerPaths(dataDir);
  const db = openLedgerDbReadonly(paths);
  const pollMs = deps.pollMs ?? POLL_MS;
  // A row-value bound is a seek on the UNIQUE (block_number, tx_index) index, page after page.
  const page = db.prepare<[number, number, number, number], EventRow>(
    `SELECT block_number, tx_index, tx_id, json_extract(envelope, '$.payload.event') AS event
       FROM transactions
      WHERE (block_number, tx_index) > (?, ?) AND block_number <= ? AND validation_code = 'VALID'
      ORDER BY block_number, tx_index LIMIT ?`,
  );
  const tip = db.prepare<[], number | null>('SELECT max(number) FROM blocks').pluck();
  const txIn = db
    .prepare<[string, number], number>(
      'SELECT tx_index FROM transactions WHERE tx_id = ? AND block_number = ?',
    )
    .pluck();
  let closed = false;

  /** Where the checkpoint says to resume, checked against this ledger. */
  const resumeAt = (cp: Checkpointer | undefined, file: string | undefined, fromBlock: number): Position => {
    const block = cp?.getBlockNumber();
    if (block === undefined) return { block: fromBlock, txIndex: -1 };
    const txId = cp?.getTransactionId();
    if (txId === undefined) return { block: Number(block), txIndex: -1 };
    const txIndex = txIn.get(txId, Number(block));
    if (txIndex === undefined) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `checkpoint ${file} resumes after transaction ${txId} in block ${block}, which this ledger (${paths.dbFile}) does not hold: it is another ledger's checkpoint; pass the right --checkpoint file, or a new one`,
      );
    }
    return { block: Number(block), txIndex };
  };

  return {
    async read(options: ReadEventsOptions) {
      if (closed) throw new ColdtrailError(ErrorCode.Unavailable, 'the event source is closed');
      const cp =
        options.checkpointFile === undefined ? undefined : openEventCheckpoint(options.checkpointFile);
      let at = resumeAt(cp, options.checkpointFile, options.fromBlock ?? 0);
      /** The last event passed over by the name filter and not yet in the checkpoint. */
      let skipped: EventRow | undefined;
      const save = async (row: EventRow) => {
        await cp?.checkpointTransaction(BigInt(row.block_number), row.tx_id);
      };
      // Without follow: the tip when the read began, so a read of a busy ledger still ends.
      const end = options.follow ? undefined : (tip.get() ?? -1);
      while (!options.signal?.aborted && !closed) {
        const rows = page.all(at.block, at.txIndex, end ?? Number.MAX_SAFE_INTEGER, PAGE);
        for (const row of rows) {
          at = { block: row.block_number, txIndex: row.tx_index };
          const event = parseEvent(row);
          if (!event || (options.name !== undefined && event.name !== options.name)) {
            skipped = row;
            continue;
          }
          skipped = undefined;
          await options.onEvent({
            blockNumber: row.block_number,
            txId: row.tx_id,
            name: event.name,
            payload: Buffer.from(event.payload, 'base64'),
          });
          await save(row);
          if (options.signal?.aborted) break;
        }
        if (rows.length === PAGE && !options.signal?.aborted) continue;
        // Caught up: what was passed over is part of the position reached (one write, not one per event).
        if (skipped) await save(skipped);
        skipped = undefined;
        if (end !== undefined) return;
        await pause(pollMs, options.signal);
      }
      if (skipped) await save(skipped);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** The stored event, or null for a transaction without one (or an envelope `ledger verify` would refuse). */
function parseEvent(row: EventRow): { name: string; payload: string } | null {
  if (row.event === null) return null;
  try {
    const e = JSON.parse(row.event) as { name?: unknown; payload?: unknown };
    if (typeof e.name === 'string' && typeof e.payload === 'string')
      return { name: e.name, payload: e.payload };
  } catch {
    // not an event
  }
  return null;
}
