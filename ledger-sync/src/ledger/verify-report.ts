import type { LedgerCheckpoint } from './checkpoint.js';

/**
 * The result of `ledger verify`: every check run over the whole ledger. `problems` is sorted so the first one
 * names the earliest broken block (or record); its `message` is meant for people.
 */
export const LedgerCheck = {
  NodeIdentity: 'node-identity',
  BlockSequence: 'block-sequence',
  BlockLink: 'block-link',
  BlockHash: 'block-hash',
  BlockSignature: 'block-signature',
  DataHash: 'data-hash',
  TxRecord: 'tx-record',
  TxSignature: 'tx-signature',
  /** The creator certificate is its org's (msp/<MSP>/cert.pem) or issued by the org's CA (verify-creator.ts). */
  CreatorIdentity: 'creator-identity',
  TxValidation: 'tx-validation',
  State: 'state',
  History: 'history',
  /** The ledger's tip against a tip recorded outside it (see LedgerVerifyOptions.expectTip). */
  Tip: 'tip',
} as const;
export type LedgerCheck = (typeof LedgerCheck)[keyof typeof LedgerCheck];

export interface LedgerProblem {
  /** The block at fault (for state, the block that last wrote the key); null when no block is involved. */
  block: number | null;
  txId?: string;
  check: LedgerCheck;
  message: string;
}

/** The last block of the ledger: worth writing down outside it (see LedgerVerifyOptions.expectTip). */
export interface LedgerTip {
  number: number;
  hash: string;
  /** The block's own timestamp (the ledger's clock when it was cut). */
  timestamp: string;
}

export interface LedgerVerifyOptions {
  /**
   * A tip seen earlier, recorded outside the ledger (by a third party, a log, a receipt). Replay alone cannot
   * notice blocks cut consistently off the end of a single-node ledger; this can: the ledger must reach block
   * `number`, and the block at `number` must hash to `hash`. With `hash` alone, some block must have it.
   */
  expectTip?: { number?: number; hash?: string };
  /**
   * A signed checkpoint (`coldtrail ledger export-tip`, see checkpoint.ts): its tip is expected as above, and
   * it must come from this ledger's node.
   */
  checkpoint?: LedgerCheckpoint;
}

export interface LedgerVerifyReport {
  ok: boolean;
  blocks: number;
  transactions: number;
  /** The last block, null for an empty ledger. */
  tip: LedgerTip | null;
  problems: LedgerProblem[];
}
