/** Closes what was opened, newest first; keeps going when one close fails and reports the first failure. */
export class CloseStack {
  private readonly items: { name: string; close(): Promise<void> | void }[] = [];

  push<T extends { close(): Promise<void> | void }>(name: string, item: T): T {
    this.items.push({ name, close: () => item.close() });
    return item;
  }

  async closeAll(): Promise<Error | undefined> {
    let first: Error | undefined;
    while (this.items.length > 0) {
      const item = this.items.pop()!;
      try {
        await item.close();
      } catch (err) {
        first ??= new Error(
          `closing ${item.name} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    return first;
  }
}
