/**
 * The prepared transaction the Gateway test server's Endorse answers (test-only), assembled as Fabric's
 * gateway does (prepareTransaction, internal/pkg/gateway/apiutils.go): the proposal's header, and a
 * ChaincodeActionPayload whose ChaincodeAction (read/write set, event, response) the peer signed.
 */
import { createHash } from 'node:crypto';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import { signLowS } from '../ledger/ecdsa.js';
import { p1363HexToDer } from '../ledger/ecdsa-der.js';
import { encodeKvRwSet } from '../ledger/fabric-envelope.js';
import type { Identity } from '../ledger/identities.js';
import { CHAINCODE, PEER_MSP } from './gateway-ledger.test-kit.js';
import type { ProcessedProposal } from './gateway-proposal.test-kit.js';
import { protos } from './gateway-protos.test-kit.js';

const p = protos;

/** The peer's msp.SerializedIdentity, as its endorsements name it. */
export function endorserIdentityBytes(node: Identity): Uint8Array {
  const endorser = new p.msp.SerializedIdentity();
  endorser.setMspid(PEER_MSP);
  endorser.setIdBytes(Buffer.from(node.certificate));
  return endorser.serializeBinary();
}

/** The unsigned common.Envelope of a successfully simulated proposal, endorsed by `node`. */
export function preparedTransaction(
  { prop, payload, response }: ProcessedProposal,
  node: Identity,
  endorserBytes: Uint8Array,
): FabricProtos.common.Envelope {
  // The ChaincodeAction the peer's simulation produced.
  const ns = new p.ledger.rwset.NsReadWriteSet();
  ns.setNamespace(CHAINCODE);
  ns.setRwset(encodeKvRwSet(p, payload.rwset));
  const results = new p.ledger.rwset.TxReadWriteSet();
  results.setDataModel(p.ledger.rwset.TxReadWriteSet.DataModel.KV);
  results.setNsRwsetList([ns]);
  const ccResponse = new p.peer.Response();
  ccResponse.setStatus(response.status);
  ccResponse.setMessage(response.message);
  ccResponse.setPayload(response.payload);
  const ccId = new p.peer.ChaincodeID();
  ccId.setName(CHAINCODE);
  const action = new p.peer.ChaincodeAction();
  action.setResults(results.serializeBinary());
  if (payload.event) {
    const event = new p.peer.ChaincodeEvent();
    event.setChaincodeId(CHAINCODE);
    event.setTxId(payload.txId);
    event.setEventName(payload.event.name);
    event.setPayload(Buffer.from(payload.event.payload, 'base64'));
    action.setEvents(event.serializeBinary());
  }
  action.setResponse(ccResponse);
  action.setChaincodeId(ccId);
  // The proposal without its transient data, as the transaction carries it (protoutil.GetProposalHash1).
  const cppNoTransient = new p.peer.ChaincodeProposalPayload();
  cppNoTransient.setInput(prop.cpp.getInput_asU8());
  const cppBytes = cppNoTransient.serializeBinary();
  const prp = new p.peer.ProposalResponsePayload();
  prp.setProposalHash(
    createHash('sha256')
      .update(prop.header.getChannelHeader_asU8())
      .update(prop.header.getSignatureHeader_asU8())
      .update(cppBytes)
      .digest(),
  );
  prp.setExtension$(action.serializeBinary());
  const prpBytes = prp.serializeBinary();
  const endorsement = new p.peer.Endorsement();
  endorsement.setEndorser(endorserBytes);
  endorsement.setSignature(
    p1363HexToDer(signLowS(node.privateKey, Buffer.concat([prpBytes, endorserBytes]))),
  );
  const endorsed = new p.peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(prpBytes);
  endorsed.setEndorsementsList([endorsement]);
  // prepareTransaction (internal/pkg/gateway/apiutils.go).
  const cap = new p.peer.ChaincodeActionPayload();
  cap.setChaincodeProposalPayload(cppBytes);
  cap.setAction(endorsed);
  const txAction = new p.peer.TransactionAction();
  txAction.setHeader(prop.header.getSignatureHeader_asU8());
  txAction.setPayload(cap.serializeBinary());
  const tx = new p.peer.Transaction();
  tx.setActionsList([txAction]);
  const txPayload = new p.common.Payload();
  txPayload.setHeader(prop.header);
  txPayload.setData(tx.serializeBinary());
  const envelope = new p.common.Envelope();
  envelope.setPayload(txPayload.serializeBinary());
  return envelope;
}
