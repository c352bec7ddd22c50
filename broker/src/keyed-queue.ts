/**
 * Runs tasks one at a time per key, in call order. aedes handles every packet of one socket read concurrently
 * (lib/client.js `enqueue`), and keeps reading while an authorizePublish is pending, so two batches of one
 * device can reach the ingest together; the ingest's chain-continuity check must see them in order.
 */
export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void>;
  /** Keys with queued or running tasks. */
  readonly busyKeys: number;
}

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      // A failed task must not block the next one: chain on settlement, not on success.
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    async idle() {
      while (tails.size > 0) await Promise.all(tails.values());
    },
    get busyKeys() {
      return tails.size;
    },
  };
}
