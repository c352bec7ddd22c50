import {
  type Clock,
  ColdtrailError,
  ErrorCode,
  isIdentifier,
  systemClock,
  type TimerClock,
} from '@coldtrail/core';
import type Database from 'better-sqlite3';
import type { LedgerPort, SubmitResult } from '../ledger-port.js';
import { closeForReaders } from '../sqlite-files.js';
import { BlockCommitter } from './block-committer.js';
import type { BlockWriter } from './block-writer.js';
import { type ContractRuntime, contractRuntime } from './contract-runtime.js';
import { withHistory } from './history-reader.js';
import {
  type Identity,
  type IdentityPolicy,
  nodeIdentity,
  orgIdentity,
  readNodeCertificate,
} from './identities.js';
import { type LedgerPaths, openLedgerDb, prepareStatements, resolveLedgerPaths } from './ledger-db.js';
import { signedEnvelope, ValidationCode } from './ledger-records.js';
import { type SimulationContext, simulateTransaction } from './simulate-transaction.js';
import { dbStateReader } from './state-reader.js';
import { loadCreatorTrust } from './verify-creator.js';
import { verifyLedgerDb } from './verify-ledger.js';
import type { LedgerVerifyOptions, LedgerVerifyReport } from './verify-report.js';
import { startWorkerBlockWriter } from './worker-block-writer.js';

/**
 * The embedded single-node ledger (DESIGN §3): the coldtrail contract runs in-process through fabric-shim's
 * contract SPI against SQLite world state. `submit` = simulate (read set with versions + write set), sign
 * as the org, order into a block, validate (MVCC) and commit; it resolves once the block is durable.
 * `evaluate` = simulate only. Each org is an MSP id with its own X.509 identity, created on first use.
 */
export interface EmbeddedLedgerOptions {
  /** A directory (`ledger.sqlite` + `ledger-keys/` inside) or a database file path ending .sqlite/.db. */
  path: string;
  /** Source of transaction and block timestamps (simulated time in the demo). Default: system clock. */
  clock?: Clock;
  /** Cut a block when this many transactions wait. Default 100. */
  blockMaxTx?: number;
  /** Cut a block this long after its first transaction arrived. Default 2 ms. */
  blockTimeoutMs?: number;
  /** Runs the block timeout (never a simulation's clock). Default: system clock. */
  timers?: TimerClock;
}

export interface EmbeddedLedger {
  readonly paths: LedgerPaths;
  /** A port acting as org `org` (an MSP id such as `ColdtrailOrgMSP`). */
  port(org: string): LedgerPort;
  /** Replays and checks the whole ledger (see verifyLedger). */
  verify(options?: LedgerVerifyOptions): Promise<LedgerVerifyReport>;
  /** Commits what is queued, then closes. Idempotent. */
  close(): Promise<void>;
}

const CHANNEL = 'coldtrail';
const NODE_MSP = 'EmbeddedNodeMSP';

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ColdtrailError(ErrorCode.InvalidConfig, `${name} must be a positive integer`);
  }
  return value;
}

function nonNegativeInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ColdtrailError(ErrorCode.InvalidConfig, `${name} must be an integer >= 0`);
  }
  return value;
}

export async function openEmbeddedLedger(options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      'the embedded ledger needs a path (directory or .sqlite file)',
    );
  }
  const blockMaxTx = positiveInt(options.blockMaxTx, 100, 'blockMaxTx');
  const blockTimeoutMs = nonNegativeInt(options.blockTimeoutMs, 2, 'blockTimeoutMs');
  const paths = resolveLedgerPaths(options.path);
  const db = await openLedgerDb(paths);
  let writer: BlockWriter | undefined;
  try {
    const blocks = (db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n;
    const policy: IdentityPolicy =
      blocks === 0
        ? { create: true }
        : {
            create: false,
            why: `the ledger's ${blocks} blocks are signed by it, and a new key would break them`,
          };
    const [node, runtime] = await Promise.all([nodeIdentity(paths.keysDir, policy), contractRuntime()]);
    writer = await startWorkerBlockWriter(paths.dbFile, node.privateKey);
    const clock = options.clock ?? systemClock;
    const timers = options.timers ?? systemClock;
    return new Ledger(paths, db, writer, runtime, clock, { blockMaxTx, blockTimeoutMs, timers });
  } catch (err) {
    await writer?.close();
    db.close();
    throw err;
  }
}

class Ledger implements EmbeddedLedger {
  readonly paths: LedgerPaths;
  private readonly db: Database.Database;
  private readonly sim: SimulationContext;
  private readonly committer: BlockCommitter;
  private readonly identities = new Map<string, Promise<Identity>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(
    paths: LedgerPaths,
    db: Database.Database,
    writer: BlockWriter,
    runtime: ContractRuntime,
    clock: Clock,
    blocks: { blockMaxTx: number; blockTimeoutMs: number; timers: TimerClock },
  ) {
    this.paths = paths;
    this.db = db;
    const statements = prepareStatements(db);
    this.sim = {
      runtime,
      reader: withHistory(dbStateReader(statements), db),
      now: () => clock.now(),
      channel: CHANNEL,
      peerMspId: NODE_MSP,
    };
    this.committer = new BlockCommitter({
      writer,
      now: () => clock.now(),
      ...blocks,
    });
  }

  port(org: string): LedgerPort {
    if (!isIdentifier(org)) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        `org "${org}" is not a valid MSP id (e.g. ColdtrailOrgMSP)`,
      );
    }
    let closed = false;
    const guard = <T>(work: () => Promise<T>): Promise<T> => {
      if (closed || this.closing) {
        return Promise.reject(new ColdtrailError(ErrorCode.Unavailable, 'the ledger port is closed'));
      }
      return this.track(work());
    };
    return {
      submit: (fn, args) => guard(() => this.submit(org, fn, args)),
      evaluate: (fn, args) => guard(async () => (await this.simulate(org, fn, args)).result),
      close: async () => {
        closed = true;
      },
    };
  }

  async verify(options?: LedgerVerifyOptions): Promise<LedgerVerifyReport> {
    const keys = this.paths.keysDir;
    return verifyLedgerDb(this.db, await readNodeCertificate(keys), options, await loadCreatorTrust(keys));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.committer.drain();
      await Promise.allSettled([...this.inflight]);
      await this.committer.stop();
      closeForReaders(this.db);
    })();
    return this.closing;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  private identity(org: string): Promise<Identity> {
    let id = this.identities.get(org);
    if (!id) {
      // An org's identity is made on its first transaction here; once the ledger holds transactions it signed,
      // a missing key is reported, not replaced.
      const signed = this.db
        .prepare('SELECT 1 FROM transactions WHERE instr(envelope, ?) > 0 LIMIT 1')
        .get(`"mspid":"${org}"`);
      const policy: IdentityPolicy = signed
        ? { create: false, why: `the ledger holds transactions ${org} signed with it` }
        : { create: true };
      id = orgIdentity(this.paths.keysDir, org, policy);
      id.catch(() => this.identities.delete(org));
      this.identities.set(org, id);
    }
    return id;
  }

  private async simulate(org: string, fn: string, args: readonly string[]) {
    const id = await this.identity(org);
    return { id, ...(await simulateTransaction(this.sim, org, id, fn, args)) };
  }

  private async submit(org: string, fn: string, args: readonly string[]): Promise<SubmitResult> {
    const { id, payload, result } = await this.simulate(org, fn, args);
    const envelope = signedEnvelope(payload, id.privateKey);
    const { blockNumber, validationCode } = await this.committer.enqueue({
      txId: payload.txId,
      rwset: payload.rwset,
      envelope,
    });
    if (validationCode !== ValidationCode.Valid) {
      throw new ColdtrailError(
        ErrorCode.Conflict,
        `transaction ${payload.txId} (${fn}) was invalidated in block ${blockNumber} (${validationCode}): state it read changed before it committed; submit it again`,
        { details: { txId: payload.txId, blockNumber, validationCode } },
      );
    }
    return { txId: payload.txId, blockNumber, result };
  }
}
