/**
 * A fabric-gateway Checkpointer kept in a file, written atomically: fabric-gateway's own
 * `checkpointers.file()` overwrites the file in place (a crash mid-write leaves it empty or torn) and reads
 * an unreadable file as "no checkpoint", which would silently replay from the start or skip to the newest
 * block. This one writes a temp file, fsyncs it, renames it over the old one and fsyncs the directory, so
 * the file always holds the last checkpoint that was made durable; a file that does not parse is refused.
 *
 * Same state and semantics as fabric-gateway's: `{ blockNumber, transactionId }`, where a transaction id
 * means "resume in blockNumber after this transaction" and none means "resume at blockNumber".
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { ChaincodeEvent, Checkpointer } from '@hyperledger/fabric-gateway';

export function openFileCheckpointer(path: string): Checkpointer {
  let state = load(path);
  const save = (next: { blockNumber: bigint; transactionId: string | undefined }) => {
    write(
      path,
      JSON.stringify({ blockNumber: next.blockNumber.toString(), transactionId: next.transactionId }),
    );
    state = next;
    return Promise.resolve();
  };
  return {
    getBlockNumber: () => state?.blockNumber,
    getTransactionId: () => state?.transactionId,
    checkpointBlock: (blockNumber) => save({ blockNumber: blockNumber + 1n, transactionId: undefined }),
    checkpointTransaction: (blockNumber, transactionId) => save({ blockNumber, transactionId }),
    checkpointChaincodeEvent: (event: ChaincodeEvent) =>
      save({ blockNumber: event.blockNumber, transactionId: event.transactionId }),
  };
}

function load(path: string): { blockNumber: bigint; transactionId: string | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `cannot read the event checkpoint ${path}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  try {
    const raw = JSON.parse(text) as { blockNumber?: unknown; transactionId?: unknown };
    if (typeof raw.blockNumber !== 'string' || !/^\d+$/.test(raw.blockNumber))
      throw new Error('no blockNumber');
    if (raw.transactionId !== undefined && typeof raw.transactionId !== 'string')
      throw new Error('bad transactionId');
    return { blockNumber: BigInt(raw.blockNumber), transactionId: raw.transactionId };
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `event checkpoint ${path} is not a checkpoint ({"blockNumber":"N","transactionId":"..."}); restore it, or delete it to read the events again from the start`,
      { cause: err },
    );
  }
}

function write(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
