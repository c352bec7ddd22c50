import { readFileSync } from 'node:fs';
import { type LedgerCheckpoint, parseCheckpoint } from '@coldtrail/ledger-sync/bundle';
import { Exit, ExitError } from './exit-codes.js';

const TIP_FORMAT = /^(\d{1,15})(?::([0-9a-fA-F]{64}))?$/;

export type ExpectedTip = { expectTip: { number: number; hash?: string } } | { checkpoint: LedgerCheckpoint };

/**
 * `--expect-tip`: `N:HASH` (a block number and its hash, from `ledger verify`), `N`, or the path of a
 * checkpoint file written by `coldtrail ledger export-tip`.
 */
export function parseExpectTip(value: string): ExpectedTip {
  const m = TIP_FORMAT.exec(value.trim());
  if (m?.[1]) return { expectTip: { number: Number(m[1]), ...(m[2] ? { hash: m[2].toLowerCase() } : {}) } };
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ExitError(
      Exit.Usage,
      `--expect-tip must be <number:hash> (a block number, ":" and its 64 hex digit hash), <number>, or a checkpoint file from \`coldtrail ledger export-tip\`; "${value}": ${why}`,
    );
  }
  return { checkpoint: parseCheckpoint(text, value) };
}
