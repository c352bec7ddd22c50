import type { Interruption } from './demo/interruption.js';
import { Exit } from './exit-codes.js';

type SignalSource = Pick<NodeJS.Process, 'once' | 'off'>;

/**
 * The process's Ctrl-C for a command that winds down gracefully: the first SIGINT or SIGTERM aborts the
 * signal (the command returns, with Exit.Interrupted); after `allowQuit()` another SIGINT exits at once with
 * 130. That exit is the only one not made by returning from `run`, and it is made here, at the entry.
 */
export function interruptHandling(
  proc: SignalSource = process,
  exit: (code: number) => void = (code) => process.exit(code),
): Interruption {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  proc.once('SIGINT', onSignal);
  proc.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    allowQuit: () => void proc.once('SIGINT', () => exit(Exit.Interrupted)),
    dispose() {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}
