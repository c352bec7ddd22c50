import { randomBytes } from 'node:crypto';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { chaincodeError } from './chaincode-error.js';
import type { ChaincodeResponse, ContractRuntime } from './contract-runtime.js';
import type { Identity } from './identities.js';
import { computeTxId, type TxPayload } from './ledger-records.js';
import { SimulationStub, type StateReader } from './simulation-stub.js';

/**
 * Endorsement, in Fabric's terms: run the contract against committed state as `org` and capture what it did
 * (response, read/write set, event) as the payload of a transaction. Nothing is written here; a refusal by
 * the contract ends the transaction before ordering, as a failed endorsement does on Fabric.
 */
export interface SimulationContext {
  runtime: ContractRuntime;
  reader: StateReader;
  now: () => number;
  channel: string;
  peerMspId: string;
}

function checkCall(fn: unknown, args: unknown): void {
  if (typeof fn !== 'string' || fn.length === 0) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'transaction name must be a non-empty string');
  }
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `arguments of ${fn} must be an array of strings`);
  }
}

const NONCE_BYTES = 24;
const NONCES_PER_DRAW = 512;
let noncePool = Buffer.alloc(0);
let nonceAt = 0;

/**
 * A fresh 24-byte nonce (hex) from the CSPRNG. Drawn 512 at a time: one randomBytes call per transaction was
 * 3 % of the embedded ledger's CPU, and a pooled draw is as unpredictable as a single one.
 */
function freshNonce(): string {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * NONCES_PER_DRAW);
    nonceAt = 0;
  }
  const nonce = noncePool.toString('hex', nonceAt, nonceAt + NONCE_BYTES);
  // Each nonce is used once: its bytes are wiped as it is handed out.
  noncePool.fill(0, nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

export async function simulateTransaction(
  ctx: SimulationContext,
  org: string,
  identity: Identity,
  fn: string,
  args: readonly string[],
): Promise<{ payload: TxPayload; result: Uint8Array }> {
  checkCall(fn, args);
  const nonce = freshNonce();
  const creator = { mspid: org, certificate: identity.certificate };
  const txId = computeTxId(nonce, creator);
  const timestampMs = Math.floor(ctx.now());
  const { payload, response } = await simulateProposal(ctx, { txId, nonce, timestampMs, creator }, fn, args);
  if (response.status !== 200) throw chaincodeError(fn, response.message, { txId });
  return { payload, result: new Uint8Array(response.payload) };
}

/** A transaction as a client proposed it: id, nonce, timestamp and creator are the ones the client signed. */
export interface ProposalHeader {
  txId: string;
  /** Hex. */
  nonce: string;
  timestampMs: number;
  creator: TxPayload['creator'];
}

/**
 * Simulation for a proposal made elsewhere (the Gateway test server: a Fabric client chose the transaction id,
 * nonce and timestamp and signed them). Unlike simulateTransaction it does not throw on a contract refusal: the
 * chaincode response is returned as is, with the payload the transaction would carry.
 */
export async function simulateProposal(
  ctx: SimulationContext,
  header: ProposalHeader,
  fn: string,
  args: readonly string[],
): Promise<{ payload: TxPayload; response: ChaincodeResponse }> {
  checkCall(fn, args);
  const { txId, nonce, creator } = header;
  const timestampMs = Math.floor(header.timestampMs);
  const stub = new SimulationStub({
    channel: ctx.channel,
    txId,
    nonce,
    timestampMs,
    creator,
    fn,
    args,
    peerMspId: ctx.peerMspId,
    reader: ctx.reader,
  });
  const response = await ctx.runtime.invoke(stub);
  const payload: TxPayload = {
    channel: ctx.channel,
    txId,
    nonce,
    timestamp: new Date(timestampMs).toISOString(),
    creator,
    fn,
    args: [...args],
    response: { status: response.status, payload: response.payload.toString('base64') },
    rwset: stub.rwset(),
    event: stub.chaincodeEvent(),
  };
  return { payload, response };
}
