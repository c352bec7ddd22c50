/**
 * Runs tasks one after another per key (a device), concurrently across keys, within one process. The anchorer
 * reads a device's anchored range and then writes after it; serialising per device keeps those steps atomic
 * without holding up other devices. (The ingest does not use it: its per-device order is a compare-and-swap
 * on the reading store's head, which also holds across processes — see ingest.ts.)
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves once every queued task (including ones queued meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
