import { ColdtrailError, ErrorCode, systemClock, type Timer, type TimerClock } from '@coldtrail/core';
import type { BlockWriter, CommitOutcome, OrderedTx } from './block-writer.js';

export type { CommitOutcome, OrderedTx } from './block-writer.js';

/**
 * The ordering half of the embedded ledger, shaped like Fabric's orderer: endorsed transactions queue up; a
 * block is cut when `blockMaxTx` are waiting or `blockTimeoutMs` after the first one arrived (so a lone
 * transaction commits within milliseconds), and handed to the BlockWriter (block-writer.ts), which
 * validates, applies and signs it. One block is written at a time, in order; what arrives meanwhile waits for
 * the next block, so under load blocks fill up while the previous one commits.
 */
export interface CommitterOptions {
  writer: BlockWriter;
  /** Block timestamps. */
  now: () => number;
  blockMaxTx: number;
  blockTimeoutMs: number;
  /** Runs the block timeout; default the system clock. */
  timers?: TimerClock;
}

interface Pending {
  tx: OrderedTx;
  resolve(o: CommitOutcome): void;
  reject(err: unknown): void;
}

export class BlockCommitter {
  private readonly o: CommitterOptions;
  private queue: Pending[] = [];
  private timer: Timer | undefined;
  /** The block being written, if any. */
  private writing: Promise<void> | undefined;
  /** The timeout fired (or a full block waited) while a block was being written: cut once it is done. */
  private cutDue = false;
  private stopped = false;
  private draining = false;

  constructor(options: CommitterOptions) {
    this.o = options;
  }

  enqueue(tx: OrderedTx): Promise<CommitOutcome> {
    if (this.stopped) {
      return Promise.reject(new ColdtrailError(ErrorCode.Unavailable, 'the embedded ledger is closed'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ tx, resolve, reject });
      if (this.draining || this.queue.length >= this.o.blockMaxTx) this.cut();
      else this.timer ??= (this.o.timers ?? systemClock).setTimeout(() => this.cut(), this.o.blockTimeoutMs);
    });
  }

  /** Cuts a block of what is queued (at most blockMaxTx), now or as soon as the block being written is done. */
  cut(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.queue.length === 0) return;
    if (this.writing) {
      this.cutDue = true;
      return;
    }
    const batch = this.queue.splice(0, this.o.blockMaxTx);
    const timestamp = new Date(Math.floor(this.o.now())).toISOString();
    this.writing = this.o.writer
      .write(
        batch.map((p) => p.tx),
        timestamp,
      )
      .then(
        (outcomes) => {
          for (const [i, p] of batch.entries()) p.resolve(outcomes[i] as CommitOutcome);
        },
        (err: unknown) => {
          const e =
            err instanceof ColdtrailError
              ? err
              : new ColdtrailError(
                  ErrorCode.Unavailable,
                  `committing a block failed: ${(err as Error).message}`,
                  {
                    cause: err,
                  },
                );
          for (const p of batch) p.reject(e);
        },
      )
      .finally(() => {
        this.writing = undefined;
        this.afterBlock();
      });
  }

  /** From now on every transaction is committed as soon as it can be (the ledger is closing). */
  drain(): void {
    this.draining = true;
    this.cut();
  }

  /** Commits everything queued, refuses what comes later, and closes the writer. */
  async stop(): Promise<void> {
    this.draining = true;
    this.cut();
    this.stopped = true;
    while (this.writing) await this.writing;
    await this.o.writer.close();
  }

  private afterBlock(): void {
    const full = this.queue.length >= this.o.blockMaxTx;
    if (this.cutDue || full || (this.draining && this.queue.length > 0)) {
      this.cutDue = false;
      this.cut();
    } else if (this.queue.length > 0) {
      this.timer ??= (this.o.timers ?? systemClock).setTimeout(() => this.cut(), this.o.blockTimeoutMs);
    }
  }
}
