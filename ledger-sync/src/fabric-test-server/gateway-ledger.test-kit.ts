/**
 * The embedded ledger behind the Gateway test server (test-only): the same parts openEmbeddedLedger wires
 * (SQLite ledger database, node identity, contract runtime, simulation over committed state, BlockCommitter
 * with MVCC), opened here because the server simulates with the identity, transaction id and timestamp a
 * Fabric client signed, and commits the client's own envelopes. It adds what a peer's gateway needs: the
 * validation code of a transaction (waiting for it to commit), and a signal on every new block for event
 * streams.
 */
import { type Clock, systemClock } from '@coldtrail/core';
import type Database from 'better-sqlite3';
import { BlockCommitter, type CommitOutcome, type OrderedTx } from '../ledger/block-committer.js';
import { inlineBlockWriter } from '../ledger/block-writer.js';
import { contractRuntime } from '../ledger/contract-runtime.js';
import { withHistory } from '../ledger/history-reader.js';
import { type Identity, nodeIdentity } from '../ledger/identities.js';
import {
  type LedgerPaths,
  openLedgerDb,
  prepareStatements,
  resolveLedgerPaths,
} from '../ledger/ledger-db.js';
import type { SimulationContext } from '../ledger/simulate-transaction.js';
import { dbStateReader } from '../ledger/state-reader.js';
import { closeForReaders } from '../sqlite-files.js';

export const CHANNEL = 'coldtrail';
export const CHAINCODE = 'coldtrail';
/** The MSP id of the embedded ledger's node, as the contract's stub.getMspID() reports it (embedded-ledger.ts). */
export const PEER_MSP = 'EmbeddedNodeMSP';

export interface TxStatus {
  blockNumber: number;
  validationCode: string;
}

export interface ChaincodeEventRow {
  blockNumber: number;
  txIndex: number;
  txId: string;
  event: { name: string; payload: string };
}

export interface GatewayLedger {
  readonly paths: LedgerPaths;
  readonly node: Identity;
  readonly sim: SimulationContext;
  /** Orders and commits; resolves with the outcome once the block is durable. */
  commit(tx: OrderedTx): Promise<CommitOutcome>;
  /** Whether a transaction id is committed or waiting to be. */
  known(txId: string): boolean;
  /** The committed status of `txId`, waiting until it commits (or `signal` aborts). */
  status(txId: string, signal: AbortSignal): Promise<TxStatus>;
  /** Number of the last block, -1 when there is none. */
  tip(): number;
  /** Chaincode events of valid transactions in blocks >= `fromBlock`, in ledger order. */
  events(fromBlock: number): ChaincodeEventRow[];
  /** The (block, index) of a committed transaction. */
  position(txId: string): { blockNumber: number; txIndex: number } | undefined;
  /** Resolves when the next block has been committed. */
  nextBlock(): Promise<void>;
  close(): Promise<void>;
}

export async function openGatewayLedger(opts: {
  dir: string;
  clock?: Clock;
  blockMaxTx?: number;
  blockTimeoutMs?: number;
}): Promise<GatewayLedger> {
  const paths = resolveLedgerPaths(opts.dir);
  const db = await openLedgerDb(paths);
  const blocks = (db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n;
  const node = await nodeIdentity(
    paths.keysDir,
    blocks === 0 ? { create: true } : { create: false, why: 'the ledger holds blocks it signed' },
  );
  const runtime = await contractRuntime();
  const clock = opts.clock ?? systemClock;
  const statements = prepareStatements(db);
  const sim: SimulationContext = {
    runtime,
    reader: withHistory(dbStateReader(statements), db),
    now: () => clock.now(),
    channel: CHANNEL,
    peerMspId: PEER_MSP,
  };
  const committer = new BlockCommitter({
    writer: inlineBlockWriter(db, statements, node.privateKey),
    now: () => clock.now(),
    blockMaxTx: opts.blockMaxTx ?? 100,
    blockTimeoutMs: opts.blockTimeoutMs ?? 2,
  });
  return new Ledger(paths, db, node, sim, committer);
}

class Ledger implements GatewayLedger {
  private readonly pending = new Map<string, Promise<CommitOutcome>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Transactions whose block could not be written (they are in no block). */
  private readonly failed = new Map<string, Error>();
  private blockSignal: { promise: Promise<void>; resolve: () => void };
  private readonly txStatus: Database.Statement<
    [string],
    { block_number: number; tx_index: number; validation_code: string }
  >;
  private readonly eventRows: Database.Statement<
    [number],
    { block_number: number; tx_index: number; tx_id: string; event: string | null }
  >;
  private readonly tipRow: Database.Statement<[], { n: number | null }>;
  private closed = false;

  constructor(
    readonly paths: LedgerPaths,
    private readonly db: Database.Database,
    readonly node: Identity,
    readonly sim: SimulationContext,
    private readonly committer: BlockCommitter,
  ) {
    this.blockSignal = signal();
    this.txStatus = db.prepare(
      'SELECT block_number, tx_index, validation_code FROM transactions WHERE tx_id = ?',
    );
    this.eventRows = db.prepare(
      `SELECT block_number, tx_index, tx_id, json_extract(envelope, '$.payload.event') AS event
         FROM transactions WHERE block_number >= ? AND validation_code = 'VALID'
        ORDER BY block_number, tx_index`,
    );
    this.tipRow = db.prepare('SELECT MAX(number) AS n FROM blocks');
  }

  commit(tx: OrderedTx): Promise<CommitOutcome> {
    const outcome = this.committer.enqueue(tx);
    this.pending.set(tx.txId, outcome);
    outcome.catch((err: unknown) => this.failed.set(tx.txId, err as Error));
    const settle = () => {
      this.pending.delete(tx.txId);
      for (const wake of this.waiters.get(tx.txId) ?? []) wake();
      this.waiters.delete(tx.txId);
      const s = this.blockSignal;
      this.blockSignal = signal();
      s.resolve();
    };
    outcome.then(settle, settle);
    return outcome;
  }

  known(txId: string): boolean {
    return this.pending.has(txId) || this.txStatus.get(txId) !== undefined;
  }

  async status(txId: string, abort: AbortSignal): Promise<TxStatus> {
    for (;;) {
      const row = this.txStatus.get(txId);
      if (row) return { blockNumber: row.block_number, validationCode: row.validation_code };
      const failed = this.failed.get(txId);
      if (failed) throw new Error(`transaction ${txId} was not committed: ${failed.message}`);
      if (abort.aborted || this.closed)
        throw new Error('the commit status request ended before the transaction committed');
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(txId) ?? new Set();
        this.waiters.set(txId, set);
        const wake = () => {
          set.delete(wake);
          abort.removeEventListener('abort', wake);
          resolve();
        };
        set.add(wake);
        abort.addEventListener('abort', wake);
      });
    }
  }

  tip(): number {
    return this.tipRow.get()?.n ?? -1;
  }

  events(fromBlock: number): ChaincodeEventRow[] {
    const out: ChaincodeEventRow[] = [];
    for (const r of this.eventRows.all(fromBlock)) {
      if (r.event === null) continue;
      const event = JSON.parse(r.event) as ChaincodeEventRow['event'] | null;
      if (event) out.push({ blockNumber: r.block_number, txIndex: r.tx_index, txId: r.tx_id, event });
    }
    return out;
  }

  position(txId: string) {
    const row = this.txStatus.get(txId);
    return row ? { blockNumber: row.block_number, txIndex: row.tx_index } : undefined;
  }

  nextBlock(): Promise<void> {
    return this.blockSignal.promise;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.committer.drain();
    await Promise.allSettled([...this.pending.values()]);
    await this.committer.stop();
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.blockSignal.resolve();
    closeForReaders(this.db);
  }
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
