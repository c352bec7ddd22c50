/**
 * Ctrl-C for a command that winds down gracefully (the demo). The first SIGINT or SIGTERM aborts `signal`: the
 * command ends its work early and still closes what it opened, then returns Exit.Interrupted through the entry.
 * Once it says so (`allowQuit()`), a further Ctrl-C quits at once; only the CLI's entry (main.ts) exits the
 * process, so the implementation lives there (`interruptHandling`).
 */
export interface Interruption {
  readonly signal: AbortSignal;
  /** From now on another SIGINT quits at once with exit 130 (everything durable stays). */
  allowQuit(): void;
  /** Stops listening for the first signal (the command is done with it). Idempotent. */
  dispose(): void;
}

/** For callers without signals (tests, embedding): aborted only through `controller`. */
export function manualInterruption(controller = new AbortController()): Interruption {
  return { signal: controller.signal, allowQuit() {}, dispose() {} };
}
