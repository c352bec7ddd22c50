import type { Clock, Signer } from '@coldtrail/core';
import type { Outbox, OutboxBatch } from './outbox.js';

export interface BatcherOptions {
  outbox: Outbox;
  signer: Signer;
  clock: Clock;
  maxRecords: number;
  /** A batch is cut once its oldest record is this old (clock time), however few records it has. */
  maxAgeMs: number;
  onBatch(batch: OutboxBatch): void;
}

/**
 * Cuts signed batches from the outbox's unbatched records: when `maxRecords` are waiting, when the oldest is
 * `maxAgeMs` old, or on demand (`flush`). Runs one pass at a time; a pass requested meanwhile runs after it.
 */
export class Batcher {
  readonly #o: BatcherOptions;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: BatcherOptions) {
    this.#o = options;
  }

  /** Batches what the policy (or `force`) says is due. Rejects only if the outbox or signer fails. */
  run(force = false): Promise<void> {
    const pass = this.#chain.then(() => this.#pass(force));
    this.#chain = pass.catch(() => undefined);
    return pass;
  }

  async #pass(force: boolean): Promise<void> {
    const { outbox, maxRecords, maxAgeMs, clock } = this.#o;
    for (;;) {
      const { count, oldestMs } = outbox.unbatched();
      if (count === 0) return;
      const due = force || count >= maxRecords || clock.now() - (oldestMs ?? 0) >= maxAgeMs;
      if (!due) return;
      const batch = await outbox.createBatch(maxRecords, this.#o.signer, clock.now());
      if (!batch) return;
      this.#o.onBatch(batch);
    }
  }
}
