import { createLifecycle } from '@coldtrail/core';

/**
 * Closes what was opened, newest first; keeps going when one close fails and reports the first failure
 * (core's lifecycle, as every service's start() uses it, with the failure returned for a warning).
 */
export class CloseStack {
  private readonly life = createLifecycle();

  push<T extends { close(): Promise<void> | void }>(name: string, item: T): T {
    return this.life.add(name, item);
  }

  closeAll(): Promise<Error | undefined> {
    return this.life.close().then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  }
}
