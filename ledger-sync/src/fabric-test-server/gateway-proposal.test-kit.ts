/**
 * A SignedProposal as the Gateway test server's peer takes it (test-only): decoded (Proposal, Header,
 * ChannelHeader, SignatureHeader, ChaincodeProposalPayload, function and arguments), then the peer's
 * ProcessProposal: channel and chaincode served, the creator's signature, the transaction id
 * SHA-256(nonce || creator), and simulation as that creator with the proposal's id and timestamp.
 */
import type * as FabricProtos from '@hyperledger/fabric-protos';
import { fabricTxId, timestampMs } from '../ledger/fabric-envelope.js';
import { type SimulationContext, simulateProposal } from '../ledger/simulate-transaction.js';
import { AccessDenied, type CreatorCheck } from './gateway-creators.test-kit.js';
import { CHAINCODE, CHANNEL } from './gateway-ledger.test-kit.js';
import { GatewayRpcError, grpc, protos } from './gateway-protos.test-kit.js';

const p = protos;

export type ParsedProposal = ReturnType<typeof parseProposal>;
export type ProcessedProposal = { prop: ParsedProposal } & Awaited<ReturnType<typeof simulateProposal>>;

export function parseProposal(signed: FabricProtos.peer.SignedProposal | undefined) {
  if (!signed || signed.getProposalBytes_asU8().length === 0) {
    throw new GatewayRpcError(
      grpc.status.INVALID_ARGUMENT,
      'the proposed transaction must contain a signed proposal',
    );
  }
  try {
    const proposal = p.peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
    const header = p.common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = p.common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const signatureHeader = p.common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    const cpp = p.peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    const spec = p.peer.ChaincodeInvocationSpec.deserializeBinary(cpp.getInput_asU8()).getChaincodeSpec();
    const args = (spec?.getInput()?.getArgsList_asU8() ?? []).map((a) => Buffer.from(a).toString('utf8'));
    return {
      signed,
      header,
      channelHeader,
      signatureHeader,
      cpp,
      chaincode: spec?.getChaincodeId()?.getName() ?? '',
      fn: args[0] ?? '',
      args: args.slice(1),
    };
  } catch (err) {
    throw new GatewayRpcError(
      grpc.status.INVALID_ARGUMENT,
      `failed to unpack transaction proposal: ${(err as Error).message}`,
    );
  }
}

/**
 * The peer's ProcessProposal: checks, then simulation. Refusals by the checks throw AccessDenied; a refusal
 * by the contract is a response with status 500 and the contract's message.
 */
export async function processProposal(
  signedProposal: FabricProtos.peer.SignedProposal | undefined,
  sim: SimulationContext,
  creators: CreatorCheck,
): Promise<ProcessedProposal> {
  const prop = parseProposal(signedProposal);
  if (prop.channelHeader.getChannelId() !== CHANNEL) {
    throw new GatewayRpcError(
      grpc.status.NOT_FOUND,
      `channel [${prop.channelHeader.getChannelId()}] is not joined by this gateway's peer`,
    );
  }
  if (prop.chaincode !== CHAINCODE) {
    throw new GatewayRpcError(
      grpc.status.FAILED_PRECONDITION,
      `no peers available to evaluate chaincode ${prop.chaincode} in channel ${CHANNEL}`,
    );
  }
  const creatorBytes = prop.signatureHeader.getCreator_asU8();
  const nonce = prop.signatureHeader.getNonce_asU8();
  const creator = creators.creator(
    creatorBytes,
    prop.signed.getProposalBytes_asU8(),
    prop.signed.getSignature_asU8(),
    'proposal',
  );
  const txId = prop.channelHeader.getTxId();
  if (fabricTxId(nonce, creatorBytes) !== txId) {
    throw new AccessDenied(`incorrectly computed txid: ${txId} is not SHA-256(nonce || creator)`);
  }
  const header = {
    txId,
    nonce: Buffer.from(nonce).toString('hex'),
    timestampMs: timestampMs(prop.channelHeader.getTimestamp()),
    creator,
  };
  let simulated: Awaited<ReturnType<typeof simulateProposal>>;
  try {
    simulated = await simulateProposal(sim, header, prop.fn, prop.args);
  } catch (err) {
    simulated = {
      payload: undefined as never,
      response: { status: 500, message: (err as Error).message, payload: Buffer.alloc(0) },
    };
  }
  return { prop, ...simulated };
}
