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
  TxValidation: 'tx-validation',
  State: 'state',
  History: 'history',
} as const;
export type LedgerCheck = (typeof LedgerCheck)[keyof typeof LedgerCheck];

export interface LedgerProblem {
  /** The block at fault (for state, the block that last wrote the key); null when no block is involved. */
  block: number | null;
  txId?: string;
  check: LedgerCheck;
  message: string;
}

export interface LedgerVerifyReport {
  ok: boolean;
  blocks: number;
  transactions: number;
  problems: LedgerProblem[];
}
