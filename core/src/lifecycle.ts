/**
 * The closing half of every service's `start(config, deps?) -> Promise<Handle>` (CONVENTIONS habit 2): what
 * start() opens is added here as it opens; a failed start closes what was opened so far, and the handle's
 * `close()` closes everything once, newest first. One close failing does not keep the others open.
 */
export interface Closeable {
  close(): Promise<void> | void;
}

export interface Lifecycle {
  /** Tracks `item` (closed by `close()`); returns it, so `const x = life.add('x', await open())`. */
  add<T extends Closeable>(name: string, item: T): T;
  /** Runs `close` at close time, in the same newest-first order as the items added. */
  defer(name: string, close: () => Promise<void> | void): void;
  /**
   * Idempotent: closes everything added, newest first, each once. Rejects with the first failure (`closing
   * <name> failed: ...`, the error as `cause`) after trying every close.
   */
  close(): Promise<void>;
  readonly closed: boolean;
}

export function createLifecycle(): Lifecycle {
  const items: { name: string; close(): Promise<void> | void }[] = [];
  let closing: Promise<void> | undefined;
  const defer = (name: string, close: () => Promise<void> | void) => {
    if (closing) throw new Error(`cannot open ${name}: already closing`);
    items.push({ name, close });
  };
  return {
    add(name, item) {
      defer(name, () => item.close());
      return item;
    },
    defer,
    get closed() {
      return closing !== undefined;
    },
    close() {
      closing ??= (async () => {
        let first: Error | undefined;
        for (let item = items.pop(); item; item = items.pop()) {
          try {
            await item.close();
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            first ??= new Error(`closing ${item.name} failed: ${why}`, { cause: err });
          }
        }
        if (first) throw first;
      })();
      return closing;
    },
  };
}

/**
 * Runs the opening part of a start(): if it throws, what `life` holds so far is closed (a close failure is
 * dropped: the start's own error is what the caller needs) and the error is rethrown.
 */
export async function opening<T>(life: Lifecycle, open: () => Promise<T> | T): Promise<T> {
  try {
    return await open();
  } catch (err) {
    await life.close().catch(() => {});
    throw err;
  }
}
