import { InvalidArgumentError } from 'commander';

/** Option texts and argument parsers shared by the command table (main.ts, ledger-commands.ts). */
export const DATA_DIR_HELP = 'data directory (default: ./coldtrail-data)';
export const EXPECT_TIP_HELP =
  'fail unless the ledger still reaches this tip, kept elsewhere: a checkpoint file (ledger export-tip) or <number:hash>';

/** Commander's way to take an option more than once. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${v}" is not a positive number`);
  return n;
}

export function portOrZero(v: string): number {
  return v === '0' ? 0 : port(v);
}

export function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InvalidArgumentError(`"${v}" is not a TCP port (1-65535)`);
  }
  return n;
}
