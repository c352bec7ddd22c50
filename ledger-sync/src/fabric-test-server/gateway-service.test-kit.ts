/**
 * The `gateway.Gateway` gRPC service of the Gateway test server (test-only), answering as Fabric's gateway
 * does (fabric internal/pkg/gateway/api.go) with one peer that endorses by running the coldtrail contract on
 * the embedded ledger and an orderer that is the embedded ledger's BlockCommitter:
 * - Evaluate / Endorse check the SignedProposal's signature (low-S) against the creator of its
 *   SignatureHeader, that the creator's certificate is issued by its org's CA, and that the transaction id is
 *   SHA-256(nonce || creator); then simulate as that creator with the proposal's id and timestamp. A refusal
 *   by the contract is Evaluate's UNKNOWN "evaluate call to endorser returned error: chaincode response 500,
 *   ..." and Endorse's ABORTED "failed to endorse transaction, see attached details for more info", the
 *   chaincode message in an ErrorDetail. Endorse answers the prepared transaction (common.Envelope) Fabric's
 *   gateway assembles: the proposal's header, a ChaincodeActionPayload with the ChaincodeAction (read/write
 *   set, event, response) signed by the peer.
 * - Submit checks the client's envelope signature and the peer's endorsement, then orders it; a conflict is
 *   recorded invalid (MVCC_READ_CONFLICT) and reported by CommitStatus, which waits for the commit.
 * - ChaincodeEvents streams the events of valid transactions per block, from stored blocks, then live.
 */
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import type * as Grpc from '@grpc/grpc-js';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import { signLowS } from '../ledger/ecdsa.js';
import { derSignatureProblem, p1363HexToDer } from '../ledger/ecdsa-der.js';
import {
  decodeFabricEnvelope,
  encodeKvRwSet,
  type FabricTx,
  fabricEnvelopeRecord,
  fabricSignatureProblem,
  fabricTxId,
  timestampMs,
} from '../ledger/fabric-envelope.js';
import { ValidationCode } from '../ledger/ledger-records.js';
import { simulateProposal } from '../ledger/simulate-transaction.js';
import { CHAINCODE, CHANNEL, type GatewayLedger, PEER_MSP } from './gateway-ledger.test-kit.js';
import { type ErrorSource, GatewayRpcError, grpc, protos } from './gateway-protos.test-kit.js';

const p = protos;
type Creator = { mspid: string; certificate: string };
type Member = { creator: Creator; publicKey: KeyObject };

export interface GatewayServiceOptions {
  ledger: GatewayLedger;
  /** CA certificates (PEM) per org MSP id: a creator must be issued by one of its org's. */
  orgCas: ReadonlyMap<string, readonly string[]>;
  /** The peer's address as ErrorDetails name it. */
  peerAddress: () => string;
}

/** A refusal by the peer's checks (signature, creator, transaction id), before the contract runs. */
class AccessDenied extends Error {}

export class GatewayService {
  private readonly ledger: GatewayLedger;
  private readonly cas: Map<string, X509Certificate[]>;
  private readonly peer: () => ErrorSource;
  private readonly orderer: () => ErrorSource;
  private readonly endorserBytes: Uint8Array;
  private readonly members = new Map<string, Member | AccessDenied>();

  constructor(o: GatewayServiceOptions) {
    this.ledger = o.ledger;
    this.cas = new Map(
      [...o.orgCas].map(([msp, pems]) => [msp, pems.map((pem) => new X509Certificate(pem))]),
    );
    this.peer = () => ({ address: o.peerAddress(), mspId: PEER_MSP });
    this.orderer = () => ({ address: o.peerAddress(), mspId: PEER_MSP });
    const endorser = new p.msp.SerializedIdentity();
    endorser.setMspid(PEER_MSP);
    endorser.setIdBytes(Buffer.from(o.ledger.node.certificate));
    this.endorserBytes = endorser.serializeBinary();
  }

  /** The handlers, keyed as grpc-js addService expects for gateway_grpc_pb's GatewayService. */
  handlers(): Grpc.UntypedServiceImplementation {
    return {
      evaluate: unary((req: FabricProtos.gateway.EvaluateRequest) => this.evaluate(req)),
      endorse: unary((req: FabricProtos.gateway.EndorseRequest) => this.endorse(req)),
      submit: unary((req: FabricProtos.gateway.SubmitRequest) => this.submit(req)),
      commitStatus: unaryWithCall((req: FabricProtos.gateway.SignedCommitStatusRequest, call) =>
        this.commitStatus(req, call),
      ),
      chaincodeEvents: (
        call: Grpc.ServerWritableStream<FabricProtos.gateway.SignedChaincodeEventsRequest, unknown>,
      ) => {
        this.chaincodeEvents(call).catch((err: unknown) => {
          const e = asRpcError(err);
          call.emit('error', Object.assign(new Error(e.message), e.toStatus()));
        });
      },
    };
  }

  /** Who signed `data`: the SerializedIdentity must be of a known org, issued by its CA, and the signature good. */
  private creator(identityBytes: Uint8Array, data: Uint8Array, signature: Uint8Array, what: string): Creator {
    const key = Buffer.from(identityBytes).toString('base64');
    let known = this.members.get(key);
    if (!known) {
      known = this.member(identityBytes);
      if (this.members.size > 1000) this.members.clear();
      this.members.set(key, known);
    }
    if (known instanceof AccessDenied) throw known;
    const bad = derSignatureProblem(known.publicKey, data, signature);
    if (bad)
      throw new AccessDenied(`access denied: the creator's signature over the ${what} is not valid: ${bad}`);
    return known.creator;
  }

  /** The MSP's verdict on an identity, judged once per identity (certificate checks cost ~2 ms). */
  private member(identityBytes: Uint8Array): Member | AccessDenied {
    try {
      return this.judge(identityBytes);
    } catch (err) {
      if (err instanceof AccessDenied) return err;
      throw err;
    }
  }

  private judge(identityBytes: Uint8Array): Member {
    let id: FabricProtos.msp.SerializedIdentity;
    try {
      id = p.msp.SerializedIdentity.deserializeBinary(identityBytes);
    } catch {
      throw new AccessDenied('access denied: the creator is malformed (not a serialized identity)');
    }
    const mspid = id.getMspid();
    const certificate = Buffer.from(id.getIdBytes_asU8()).toString('utf8');
    const cas = this.cas.get(mspid);
    if (!cas)
      throw new AccessDenied(
        `access denied: channel [${CHANNEL}] creator org unknown, creator MSP ${mspid} is not a member of the channel`,
      );
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificate);
    } catch {
      throw new AccessDenied(
        `access denied: channel [${CHANNEL}] creator org [${mspid}]: the creator certificate is malformed`,
      );
    }
    if (cert.ca || !cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
      throw new AccessDenied(
        `access denied: channel [${CHANNEL}] creator org [${mspid}]: the creator certificate (${cert.subject.replace(/\n/g, ', ')}) is not issued by a CA of ${mspid}`,
      );
    }
    return { creator: { mspid, certificate }, publicKey: cert.publicKey };
  }

  private parseProposal(signed: FabricProtos.peer.SignedProposal | undefined) {
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

  /** The peer's ProcessProposal: checks, then simulation. Refusals by the checks throw AccessDenied. */
  private async process(signedProposal: FabricProtos.peer.SignedProposal | undefined) {
    const prop = this.parseProposal(signedProposal);
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
    const creator = this.creator(
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
    let sim: Awaited<ReturnType<typeof simulateProposal>>;
    try {
      sim = await simulateProposal(this.ledger.sim, header, prop.fn, prop.args);
    } catch (err) {
      sim = {
        payload: undefined as never,
        response: { status: 500, message: (err as Error).message, payload: Buffer.alloc(0) },
      };
    }
    return { prop, ...sim };
  }

  private async evaluate(
    req: FabricProtos.gateway.EvaluateRequest,
  ): Promise<FabricProtos.gateway.EvaluateResponse> {
    let done: Awaited<ReturnType<GatewayService['process']>>;
    try {
      done = await this.process(req.getProposedTransaction());
    } catch (err) {
      if (!(err instanceof AccessDenied)) throw err;
      throw new GatewayRpcError(
        grpc.status.FAILED_PRECONDITION,
        `evaluate call to endorser returned error: ${err.message}`,
        [{ source: this.peer(), message: err.message }],
      );
    }
    const { response } = done;
    if (response.status < 200 || response.status >= 400) {
      const message = `chaincode response ${response.status}, ${response.message}`;
      throw new GatewayRpcError(grpc.status.UNKNOWN, `evaluate call to endorser returned error: ${message}`, [
        { source: this.peer(), message },
      ]);
    }
    const result = new p.peer.Response();
    result.setStatus(response.status);
    result.setMessage(response.message);
    result.setPayload(response.payload);
    const out = new p.gateway.EvaluateResponse();
    out.setResult(result);
    return out;
  }

  private async endorse(
    req: FabricProtos.gateway.EndorseRequest,
  ): Promise<FabricProtos.gateway.EndorseResponse> {
    let done: Awaited<ReturnType<GatewayService['process']>>;
    try {
      done = await this.process(req.getProposedTransaction());
    } catch (err) {
      if (!(err instanceof AccessDenied)) throw err;
      throw new GatewayRpcError(
        grpc.status.ABORTED,
        'failed to endorse transaction, see attached details for more info',
        [{ source: this.peer(), message: err.message }],
      );
    }
    const { prop, payload, response } = done;
    if (response.status < 200 || response.status >= 400) {
      throw new GatewayRpcError(
        grpc.status.ABORTED,
        'failed to endorse transaction, see attached details for more info',
        [{ source: this.peer(), message: `chaincode response ${response.status}, ${response.message}` }],
      );
    }
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
    endorsement.setEndorser(this.endorserBytes);
    endorsement.setSignature(
      p1363HexToDer(signLowS(this.ledger.node.privateKey, Buffer.concat([prpBytes, this.endorserBytes]))),
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
    const out = new p.gateway.EndorseResponse();
    out.setPreparedTransaction(envelope);
    return out;
  }

  private ordererRefusal(status: string, info: string): GatewayRpcError {
    return new GatewayRpcError(
      grpc.status.ABORTED,
      `received unsuccessful response from orderer: status=${status}, info=${info}`,
      [
        {
          source: this.orderer(),
          message: `received unsuccessful response from orderer: status=${status}, info=${info}`,
        },
      ],
    );
  }

  private async submit(
    req: FabricProtos.gateway.SubmitRequest,
  ): Promise<FabricProtos.gateway.SubmitResponse> {
    const envelope = req.getPreparedTransaction();
    if (!envelope)
      throw new GatewayRpcError(grpc.status.INVALID_ARGUMENT, 'a prepared transaction is required');
    if (envelope.getSignature_asU8().length === 0) {
      throw new GatewayRpcError(grpc.status.INVALID_ARGUMENT, 'prepared transaction must be signed');
    }
    const bytes = envelope.serializeBinary();
    let tx: FabricTx;
    try {
      tx = decodeFabricEnvelope(bytes, p);
    } catch (err) {
      throw this.ordererRefusal('BAD_REQUEST', (err as Error).message);
    }
    const { payload } = tx;
    if (payload.channel !== CHANNEL || req.getChannelId() !== CHANNEL) {
      throw new GatewayRpcError(
        grpc.status.FAILED_PRECONDITION,
        `channel [${req.getChannelId()}] is not served by this gateway`,
      );
    }
    try {
      this.creator(tx.creatorBytes, tx.payloadBytes, tx.signature, 'transaction');
    } catch (err) {
      if (!(err instanceof AccessDenied)) throw err;
      throw this.ordererRefusal('FORBIDDEN', err.message);
    }
    if (fabricTxId(tx.nonce, tx.creatorBytes) !== payload.txId || req.getTransactionId() !== payload.txId) {
      throw this.ordererRefusal(
        'BAD_REQUEST',
        'the transaction id is not SHA-256(nonce || creator) of its header',
      );
    }
    // The endorsement policy of this one-peer network: the peer's own signature over the response it gave.
    const endorsedByPeer = tx.endorsements.some(
      (e) =>
        e.mspid === PEER_MSP &&
        e.certificate === this.ledger.node.certificate &&
        derSignatureProblem(new X509Certificate(e.certificate).publicKey, e.signedBytes, e.signature) ===
          null,
    );
    if (tx.chaincode !== CHAINCODE || !endorsedByPeer || fabricSignatureProblem(tx) !== null) {
      throw this.ordererRefusal(
        'BAD_REQUEST',
        'the transaction is not endorsed by the peer of this network (ENDORSEMENT_POLICY_FAILURE)',
      );
    }
    if (this.ledger.known(payload.txId)) {
      throw this.ordererRefusal('BAD_REQUEST', `duplicate transaction id ${payload.txId} (DUPLICATE_TXID)`);
    }
    // Ordered now; the commit outcome is what CommitStatus reports.
    this.ledger
      .commit({ txId: payload.txId, rwset: payload.rwset, envelope: fabricEnvelopeRecord(bytes, payload) })
      .catch(() => {});
    return new p.gateway.SubmitResponse();
  }

  private async commitStatus(
    signed: FabricProtos.gateway.SignedCommitStatusRequest,
    call: Grpc.ServerUnaryCall<unknown, unknown>,
  ): Promise<FabricProtos.gateway.CommitStatusResponse> {
    const bytes = signed.getRequest_asU8();
    if (bytes.length === 0)
      throw new GatewayRpcError(grpc.status.INVALID_ARGUMENT, 'a commit status request is required');
    const req = p.gateway.CommitStatusRequest.deserializeBinary(bytes);
    this.checkAcl(req.getIdentity_asU8(), bytes, signed.getSignature_asU8(), 'commit status request');
    if (req.getChannelId() !== CHANNEL) {
      throw new GatewayRpcError(
        grpc.status.FAILED_PRECONDITION,
        `channel [${req.getChannelId()}] is not served by this gateway`,
      );
    }
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    const status = await this.ledger.status(req.getTransactionId(), abort.signal);
    const out = new p.gateway.CommitStatusResponse();
    out.setResult(validationCode(status.validationCode));
    out.setBlockNumber(status.blockNumber);
    return out;
  }

  private checkAcl(identity: Uint8Array, data: Uint8Array, signature: Uint8Array, what: string): void {
    try {
      this.creator(identity, data, signature, what);
    } catch (err) {
      if (!(err instanceof AccessDenied)) throw err;
      throw new GatewayRpcError(grpc.status.PERMISSION_DENIED, err.message);
    }
  }

  private async chaincodeEvents(
    call: Grpc.ServerWritableStream<FabricProtos.gateway.SignedChaincodeEventsRequest, unknown>,
  ): Promise<void> {
    const bytes = call.request.getRequest_asU8();
    if (bytes.length === 0)
      throw new GatewayRpcError(grpc.status.INVALID_ARGUMENT, 'a chaincode events request is required');
    const req = p.gateway.ChaincodeEventsRequest.deserializeBinary(bytes);
    this.checkAcl(
      req.getIdentity_asU8(),
      bytes,
      call.request.getSignature_asU8(),
      'chaincode events request',
    );
    if (req.getChannelId() !== CHANNEL)
      throw new GatewayRpcError(grpc.status.NOT_FOUND, `channel [${req.getChannelId()}] not found`);
    const chaincode = req.getChaincodeId();
    let next = this.startBlock(req.getStartPosition());
    // after_transaction_id: start at its block, with the events after it (api.go chaincodeEventsStartBlock).
    const after = req.getAfterTransactionId() ? this.ledger.position(req.getAfterTransactionId()) : undefined;
    if (after) next = after.blockNumber;
    let cancelled = call.cancelled;
    const stop = new Promise<void>((resolve) =>
      call.on('cancelled', () => {
        cancelled = true;
        resolve();
      }),
    );
    while (!cancelled) {
      const wake = this.ledger.nextBlock();
      const tip = this.ledger.tip();
      const byBlock = new Map<number, FabricProtos.peer.ChaincodeEvent[]>();
      for (const row of this.ledger.events(next)) {
        if (row.blockNumber > tip) break;
        if (
          after &&
          (row.blockNumber < after.blockNumber ||
            (row.blockNumber === after.blockNumber && row.txIndex <= after.txIndex))
        )
          continue;
        if (chaincode !== CHAINCODE) continue;
        const event = new p.peer.ChaincodeEvent();
        event.setChaincodeId(CHAINCODE);
        event.setTxId(row.txId);
        event.setEventName(row.event.name);
        event.setPayload(Buffer.from(row.event.payload, 'base64'));
        const list = byBlock.get(row.blockNumber) ?? [];
        list.push(event);
        byBlock.set(row.blockNumber, list);
      }
      for (const [blockNumber, events] of byBlock) {
        const res = new p.gateway.ChaincodeEventsResponse();
        res.setBlockNumber(blockNumber);
        res.setEventsList(events);
        call.write(res);
      }
      next = Math.max(next, tip + 1);
      await Promise.race([wake, stop]);
    }
  }

  private startBlock(position: FabricProtos.orderer.SeekPosition | undefined): number {
    const Case = p.orderer.SeekPosition.TypeCase;
    switch (position?.getTypeCase() ?? Case.TYPE_NOT_SET) {
      case Case.SPECIFIED:
        return position?.getSpecified()?.getNumber() ?? 0;
      case Case.OLDEST:
        return 0;
      case Case.NEWEST:
        return Math.max(this.ledger.tip(), 0);
      default:
        return this.ledger.tip() + 1; // nextCommit, or none given
    }
  }
}

function validationCode(
  code: string,
): FabricProtos.peer.TxValidationCodeMap[keyof FabricProtos.peer.TxValidationCodeMap] {
  const codes = p.peer.TxValidationCode;
  switch (code) {
    case ValidationCode.Valid:
      return codes.VALID;
    case ValidationCode.MvccReadConflict:
      return codes.MVCC_READ_CONFLICT;
    case ValidationCode.PhantomReadConflict:
      return codes.PHANTOM_READ_CONFLICT;
    default:
      return codes.INVALID_OTHER_REASON;
  }
}

function asRpcError(err: unknown): GatewayRpcError {
  if (err instanceof GatewayRpcError) return err;
  return new GatewayRpcError(
    grpc.status.INTERNAL,
    `the gateway test server failed: ${(err as Error)?.message ?? String(err)}`,
  );
}

function unary<Req, Res>(fn: (req: Req) => Promise<Res>) {
  return unaryWithCall<Req, Res>((req) => fn(req));
}

function unaryWithCall<Req, Res>(fn: (req: Req, call: Grpc.ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: Grpc.ServerUnaryCall<Req, Res>, callback: Grpc.sendUnaryData<Res>) => {
    fn(call.request, call).then(
      (res) => callback(null, res),
      (err: unknown) => callback(asRpcError(err).toStatus() as Grpc.ServerErrorResponse),
    );
  };
}
