import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { type LedgerCheckpoint, signCheckpoint } from './checkpoint.js';
import { readNodeIdentity } from './identities.js';
import type { LedgerReader } from './ledger-reader.js';

/**
 * A checkpoint of the ledger's tip, signed by its node (`coldtrail ledger export-tip`). Only a ledger that
 * replays intact gets one: a checkpoint vouches for everything up to its tip. Reads the node's key; writes
 * nothing.
 */
export async function exportCheckpoint(
  reader: LedgerReader,
  now: () => number = Date.now,
): Promise<LedgerCheckpoint> {
  const report = await reader.verify();
  const [first] = report.problems;
  if (!report.ok || !report.tip) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `the ledger failed verification, so no checkpoint is written: ${first ? (first.block === null ? first.message : `block ${first.block}: ${first.message}`) : 'it holds no blocks'}`,
    );
  }
  const node = await readNodeIdentity(reader.paths.keysDir);
  return signCheckpoint(
    {
      tip: report.tip,
      blocks: report.blocks,
      transactions: report.transactions,
      exportedAt: new Date(now()).toISOString(),
    },
    node,
  );
}
