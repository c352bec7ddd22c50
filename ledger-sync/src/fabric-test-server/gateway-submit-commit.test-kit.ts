/**
 * Submit and CommitStatus of the Gateway test server (test-only), as Fabric's gateway answers them
 * (internal/pkg/gateway/api.go): Submit checks the client's envelope signature and the peer's endorsement,
 * then orders the transaction on the embedded ledger's BlockCommitter; a conflict is recorded invalid
 * (MVCC_READ_CONFLICT) and reported by CommitStatus, which waits for the commit.
 */
import { X509Certificate } from 'node:crypto';
import type * as Grpc from '@grpc/grpc-js';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import { derSignatureProblem } from '../ledger/ecdsa-der.js';
import {
  decodeFabricEnvelope,
  type FabricTx,
  fabricEnvelopeRecord,
  fabricSignatureProblem,
  fabricTxId,
} from '../ledger/fabric-envelope.js';
import { ValidationCode } from '../ledger/ledger-records.js';
import { AccessDenied, type CreatorCheck } from './gateway-creators.test-kit.js';
import { CHAINCODE, CHANNEL, type GatewayLedger, PEER_MSP } from './gateway-ledger.test-kit.js';
import { type ErrorSource, GatewayRpcError, grpc, protos } from './gateway-protos.test-kit.js';

const p = protos;

export interface OrderingContext {
  ledger: GatewayLedger;
  creators: CreatorCheck;
  /** The orderer as ErrorDetails name it. */
  orderer: () => ErrorSource;
}

function ordererRefusal(ctx: OrderingContext, status: string, info: string): GatewayRpcError {
  return new GatewayRpcError(
    grpc.status.ABORTED,
    `received unsuccessful response from orderer: status=${status}, info=${info}`,
    [
      {
        source: ctx.orderer(),
        message: `received unsuccessful response from orderer: status=${status}, info=${info}`,
      },
    ],
  );
}

export async function submit(
  ctx: OrderingContext,
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
    throw ordererRefusal(ctx, 'BAD_REQUEST', (err as Error).message);
  }
  const { payload } = tx;
  if (payload.channel !== CHANNEL || req.getChannelId() !== CHANNEL) {
    throw new GatewayRpcError(
      grpc.status.FAILED_PRECONDITION,
      `channel [${req.getChannelId()}] is not served by this gateway`,
    );
  }
  try {
    ctx.creators.creator(tx.creatorBytes, tx.payloadBytes, tx.signature, 'transaction');
  } catch (err) {
    if (!(err instanceof AccessDenied)) throw err;
    throw ordererRefusal(ctx, 'FORBIDDEN', err.message);
  }
  if (fabricTxId(tx.nonce, tx.creatorBytes) !== payload.txId || req.getTransactionId() !== payload.txId) {
    throw ordererRefusal(
      ctx,
      'BAD_REQUEST',
      'the transaction id is not SHA-256(nonce || creator) of its header',
    );
  }
  // The endorsement policy of this one-peer network: the peer's own signature over the response it gave.
  const endorsedByPeer = tx.endorsements.some(
    (e) =>
      e.mspid === PEER_MSP &&
      e.certificate === ctx.ledger.node.certificate &&
      derSignatureProblem(new X509Certificate(e.certificate).publicKey, e.signedBytes, e.signature) === null,
  );
  if (tx.chaincode !== CHAINCODE || !endorsedByPeer || fabricSignatureProblem(tx) !== null) {
    throw ordererRefusal(
      ctx,
      'BAD_REQUEST',
      'the transaction is not endorsed by the peer of this network (ENDORSEMENT_POLICY_FAILURE)',
    );
  }
  if (ctx.ledger.known(payload.txId)) {
    throw ordererRefusal(ctx, 'BAD_REQUEST', `duplicate transaction id ${payload.txId} (DUPLICATE_TXID)`);
  }
  // Ordered now; the commit outcome is what CommitStatus reports.
  ctx.ledger
    .commit({ txId: payload.txId, rwset: payload.rwset, envelope: fabricEnvelopeRecord(bytes, payload) })
    .catch(() => {});
  return new p.gateway.SubmitResponse();
}

export async function commitStatus(
  ctx: OrderingContext,
  signed: FabricProtos.gateway.SignedCommitStatusRequest,
  call: Grpc.ServerUnaryCall<unknown, unknown>,
): Promise<FabricProtos.gateway.CommitStatusResponse> {
  const bytes = signed.getRequest_asU8();
  if (bytes.length === 0)
    throw new GatewayRpcError(grpc.status.INVALID_ARGUMENT, 'a commit status request is required');
  const req = p.gateway.CommitStatusRequest.deserializeBinary(bytes);
  ctx.creators.checkAcl(req.getIdentity_asU8(), bytes, signed.getSignature_asU8(), 'commit status request');
  if (req.getChannelId() !== CHANNEL) {
    throw new GatewayRpcError(
      grpc.status.FAILED_PRECONDITION,
      `channel [${req.getChannelId()}] is not served by this gateway`,
    );
  }
  const abort = new AbortController();
  call.on('cancelled', () => abort.abort());
  const status = await ctx.ledger.status(req.getTransactionId(), abort.signal);
  const out = new p.gateway.CommitStatusResponse();
  out.setResult(validationCode(status.validationCode));
  out.setBlockNumber(status.blockNumber);
  return out;
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
