import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { openQuery } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit } from '../exit-codes.js';

export interface ReadingProveOptions {
  dataDir?: string;
  json?: boolean;
}

/**
 * `coldtrail reading prove DEVICE SEQ`: one reading with its Merkle inclusion proof to the anchor on the
 * ledger. Exit 0 when the path leads to the on-ledger root and the ledger verifies, 3 otherwise, 4 when no
 * anchor covers it. Reads only.
 */
export async function readingProve(
  device: string,
  seqText: string,
  opts: ReadingProveOptions,
): Promise<void> {
  if (!/^[1-9][0-9]{0,15}$/.test(seqText)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `SEQ must be a reading's sequence number >= 1 (got "${seqText}")`,
    );
  }
  const dir = existingLedgerSyncDir(resolveDataDir(opts.dataDir));
  const query = await openQuery({ dataDir: dir });
  try {
    const proof = await query.proveReading(device, Number(seqText));
    const ok = proof.included && proof.ledger.ok;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(proof, null, 2)}\n`);
    } else {
      const r = proof.record;
      const value = r.kind === 'fault' ? `fault ${r.fault}` : `${r.kind} ${r.value} ${r.unit}`;
      const lines = [
        `${proof.device}#${proof.seq}  ${r.ts}  ${r.sensor}  ${value}`,
        `hash     ${proof.hash}`,
        `anchor   ${proof.device}#${proof.anchor.fromSeq}-${proof.anchor.toSeq}, root ${proof.anchor.root}`,
        `         tx ${proof.anchor.txId}, anchored ${proof.anchor.anchoredAt}`,
        `path     leaf ${proof.index} of ${proof.size}: ${proof.path.length} sibling hash(es)`,
        ...proof.path.map((h) => `         ${h}`),
        proof.included
          ? 'included: the path leads to the root on the ledger'
          : 'NOT INCLUDED: the path does not lead to the root on the ledger',
        proof.ledger.skipped !== undefined
          ? `ledger:   not checked here (${proof.ledger.skipped})`
          : proof.ledger.ok
            ? `ledger:   verified up to block ${proof.ledger.tip?.number ?? '-'}`
            : `LEDGER FAILED VERIFICATION: ${proof.ledger.problems[0] ?? ''}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (!ok) process.exitCode = Exit.VerificationFailed;
  } finally {
    await query.close();
  }
}
