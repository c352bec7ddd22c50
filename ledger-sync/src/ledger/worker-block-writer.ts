import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { BlockWriter, CommitOutcome } from './block-writer.js';
import type { CommitWorkerData, CommitWorkerReply, CommitWorkerRequest } from './commit-worker.js';

// The worker runs the compiled module: from dist/ledger/ this is itself, and from the TypeScript sources (as
// vitest runs them) it is the build's copy, since a worker thread cannot load .ts files on Node 20.
const WORKER_FILE = fileURLToPath(new URL('../../dist/ledger/commit-worker.js', import.meta.url));

interface Waiting {
  resolve(outcomes: CommitOutcome[]): void;
  reject(err: unknown): void;
}

/**
 * A BlockWriter on its own thread (commit-worker.ts) with its own connection to `dbFile`. The thread keeps the
 * process alive only while a block is being written, so an idle ledger never holds a CLI command open. If the
 * thread fails, every block in flight and every later write is refused as UNAVAILABLE with the reason.
 */
export async function startWorkerBlockWriter(dbFile: string, nodeKey: KeyObject): Promise<BlockWriter> {
  if (!existsSync(WORKER_FILE)) {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `the embedded ledger's commit worker ${WORKER_FILE} is missing: build coldtrail first (npm run build)`,
    );
  }
  const data: CommitWorkerData = {
    dbFile,
    nodeKeyPem: nodeKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  // No execArgv of the parent's: options such as --input-type (node -e) would stop the thread from starting.
  const worker = new Worker(WORKER_FILE, { workerData: data, execArgv: [] });
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let broken: ColdtrailError | undefined;
  let closing: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const fail = (why: string) => {
    broken ??= new ColdtrailError(
      ErrorCode.Unavailable,
      `the embedded ledger's commit thread stopped (${why}): the blocks in flight were not committed; restart the process`,
    );
    for (const w of waiting.values()) w.reject(broken);
    waiting.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const started = (m: CommitWorkerReply) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'failed') {
        reject(
          new ColdtrailError(
            ErrorCode.Unavailable,
            `cannot open the ledger database ${dbFile}: ${m.message}`,
          ),
        );
      }
    };
    worker.once('message', started);
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(
        new ColdtrailError(
          ErrorCode.Unavailable,
          `the ledger's commit thread exited at start (code ${code})`,
        ),
      ),
    );
  });
  worker.unref();

  worker.on('message', (m: CommitWorkerReply) => {
    if (m.type !== 'written' && m.type !== 'error') return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (waiting.size === 0) worker.unref();
    if (m.type === 'written') w.resolve(m.outcomes);
    else w.reject(Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code }));
  });
  worker.on('error', (err) => fail(err.message));
  worker.on('exit', (code) => fail(closing ? 'closed' : `exit code ${code}`));

  return {
    write(txs, timestamp) {
      if (closing) return Promise.reject(new Error('the block writer is closed'));
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise<CommitOutcome[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        const request: CommitWorkerRequest = { type: 'write', id, txs: [...txs], timestamp };
        worker.postMessage(request);
      });
    },
    close() {
      closing ??= (async () => {
        if (!broken) {
          worker.ref();
          const request: CommitWorkerRequest = { type: 'close' };
          worker.postMessage(request);
        }
        await exited;
      })();
      return closing;
    },
  };
}
