/**
 * The chaincode events of a ledger, one per valid transaction (DESIGN §3: the contract emits one event per
 * transaction), in commit order, behind one interface with two implementations: the embedded ledger read
 * from its files, read-only (ledger-events-embedded.ts), and a Fabric network through its gateway's
 * ChaincodeEvents stream (ledger-events-fabric.ts). Both resume from the same checkpoint file, in
 * file-checkpointer.ts's format `{"blockNumber":"N","transactionId":"..."}` ("resume in block N after this
 * transaction"), written atomically after an event was handled: a rerun neither misses nor repeats one.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ColdtrailError, ErrorCode, isColdtrailError } from '@coldtrail/core';
import type { Checkpointer } from '@hyperledger/fabric-gateway';
import { openFileCheckpointer } from './fabric/file-checkpointer.js';

/** How an event's payload is shown: parsed when it is UTF-8 JSON, else base64 (as `ledger tx` shows it). */
export { showValue } from './ledger/ledger-browse.js';

export interface LedgerEvent {
  blockNumber: number;
  txId: string;
  name: string;
  /** The event's payload as the contract set it (canonical JSON for the coldtrail contract). */
  payload: Uint8Array;
}

export interface ReadEventsOptions {
  /** Handles one event; the checkpoint moves past it once this resolves. A rejection stops the read. */
  onEvent(event: LedgerEvent): Promise<void> | void;
  /** Only events of this name reach onEvent (the position still moves past the others). */
  name?: string;
  /** Where to begin without a checkpoint (default block 0); a checkpoint that exists wins over it. */
  fromBlock?: number;
  /** The position reached, kept across runs. Its directory must exist; the file is created on first use. */
  checkpointFile?: string;
  /** Keep reading as blocks are committed, until `signal` aborts; without it the read ends at the tip. */
  follow?: boolean;
  /** Ends a read (the event being handled is finished and checkpointed first). */
  signal?: AbortSignal;
}

export interface LedgerEventSource {
  /** Resolves at the tip (without follow) or once `signal` aborted; rejects when onEvent or the ledger failed. */
  read(options: ReadEventsOptions): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

export type EventSourceTarget =
  /** `dataDir`: the ledger-sync data directory holding `ledger.sqlite` (or the ledger database file). */
  | { kind: 'embedded'; dataDir: string }
  /** `connectionFile`: a Fabric connection file (deploy/fabric/connection.example.yaml). */
  | { kind: 'fabric'; connectionFile: string };

export interface EventSourceDeps {
  /** How often the embedded source looks for new blocks while following (default 300 ms). */
  pollMs?: number;
  /** Environment for the Fabric connection file's overrides (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Opens the event source of `target`. Nothing is written to the ledger, ever; only the checkpoint file. */
export async function openEventSource(
  target: EventSourceTarget,
  deps: EventSourceDeps = {},
): Promise<LedgerEventSource> {
  switch (target.kind) {
    case 'embedded':
      return (await import('./ledger-events-embedded.js')).openEmbeddedEventSource(target.dataDir, deps);
    case 'fabric':
      return (await import('./ledger-events-fabric.js')).openFabricEventSource(target.connectionFile, deps);
    default:
      return target satisfies never;
  }
}

/**
 * The checkpoint file, read now: a file that is there but is no checkpoint is refused as bad input (never a
 * silent restart from block 0), and so is a directory that does not exist (the first write would fail
 * after the first event was already handled).
 */
export function openEventCheckpoint(file: string): Checkpointer {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `the checkpoint's directory ${dir} does not exist: create it, or pass another --checkpoint file`,
    );
  }
  if (existsSync(file) && !statSync(file).isFile()) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `checkpoint ${file} is not a file: pass a file path`);
  }
  try {
    return openFileCheckpointer(file);
  } catch (err) {
    // The file is the caller's input, not ledger data: a torn or foreign one is INVALID_INPUT (exit 2).
    if (isColdtrailError(err, ErrorCode.Corrupted)) {
      throw new ColdtrailError(ErrorCode.InvalidInput, err.message, { cause: err });
    }
    throw err;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
