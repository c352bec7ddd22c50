/**
 * The ledger as ledger-sync sees it: the shape of a Fabric Gateway `Contract` (submit = endorse + order +
 * commit, evaluate = query on one peer), so the embedded ledger and the Fabric adapter are interchangeable.
 * Arguments and results are strings/bytes exactly as chaincode receives and returns them.
 */
export interface LedgerPort {
  /** Runs a transaction that changes state and waits until it is committed in a block. */
  submit(fn: string, args: readonly string[]): Promise<SubmitResult>;
  /** Runs a read-only query. */
  evaluate(fn: string, args: readonly string[]): Promise<Uint8Array>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface SubmitResult {
  txId: string;
  blockNumber: number;
  result: Uint8Array;
}
