import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { blockWriteFunction, type OrderedTx } from './block-writer.js';
import { privateKeyFromPem } from './ecdsa.js';
import { prepareStatements } from './ledger-db.js';

/**
 * The embedded ledger's commit thread (worker-block-writer.ts starts it): its own connection to the ledger
 * database, with the same durability settings as the ledger's, writing the blocks the main thread orders.
 * SQLite's commit and fsync, MVCC validation and the block signature then run beside simulation instead of
 * in its way. Messages: {type:'write', id, txs, timestamp} -> {id, outcomes} | {id, error}; {type:'close'}.
 */
export interface CommitWorkerData {
  dbFile: string;
  /** The node's signing key, PKCS#8 PEM. */
  nodeKeyPem: string;
}

export type CommitWorkerRequest =
  | { type: 'write'; id: number; txs: OrderedTx[]; timestamp: string }
  | { type: 'close' };

export type CommitWorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'written'; id: number; outcomes: ReturnType<ReturnType<typeof blockWriteFunction>> }
  | { type: 'error'; id: number; message: string; code?: string };

const port = parentPort;
if (!port) throw new Error('commit-worker.js runs as a worker thread of the embedded ledger');
const { dbFile, nodeKeyPem } = workerData as CommitWorkerData;
const reply = (m: CommitWorkerReply) => port.postMessage(m);

let db: Database.Database | undefined;
try {
  db = new Database(dbFile, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // synchronous is per connection: the writer's is the one that makes a commit durable (ledger-db.ts).
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -65536');
  const write = blockWriteFunction(db, prepareStatements(db), privateKeyFromPem(nodeKeyPem));
  const open = db;
  port.on('message', (m: CommitWorkerRequest) => {
    if (m.type === 'close') {
      open.close();
      port.close();
      return;
    }
    try {
      reply({ type: 'written', id: m.id, outcomes: write(m.txs, m.timestamp) });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      reply({
        type: 'error',
        id: m.id,
        message: (err as Error).message,
        ...(typeof code === 'string' ? { code } : {}),
      });
    }
  });
  reply({ type: 'ready' });
} catch (err) {
  db?.close();
  reply({ type: 'failed', message: (err as Error).message });
  port.close();
}
