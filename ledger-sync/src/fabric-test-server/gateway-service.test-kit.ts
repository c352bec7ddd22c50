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
 *
 * This file wires the handlers and maps refusals to Evaluate's and Endorse's statuses; the parts live beside
 * it: the creator checks (gateway-creators), proposal decoding and simulation (gateway-proposal), the prepared
 * transaction (gateway-endorsement), Submit and CommitStatus (gateway-submit-commit) and ChaincodeEvents
 * (gateway-chaincode-events).
 */
import type * as Grpc from '@grpc/grpc-js';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import { streamChaincodeEvents } from './gateway-chaincode-events.test-kit.js';
import { AccessDenied, CreatorCheck } from './gateway-creators.test-kit.js';
import { endorserIdentityBytes, preparedTransaction } from './gateway-endorsement.test-kit.js';
import { type GatewayLedger, PEER_MSP } from './gateway-ledger.test-kit.js';
import { type ProcessedProposal, processProposal } from './gateway-proposal.test-kit.js';
import { type ErrorSource, GatewayRpcError, grpc, protos } from './gateway-protos.test-kit.js';
import { commitStatus, type OrderingContext, submit } from './gateway-submit-commit.test-kit.js';

const p = protos;

export interface GatewayServiceOptions {
  ledger: GatewayLedger;
  /** CA certificates (PEM) per org MSP id: a creator must be issued by one of its org's. */
  orgCas: ReadonlyMap<string, readonly string[]>;
  /** The peer's address as ErrorDetails name it. */
  peerAddress: () => string;
}

export class GatewayService {
  private readonly ledger: GatewayLedger;
  private readonly creators: CreatorCheck;
  private readonly peer: () => ErrorSource;
  private readonly ordering: OrderingContext;
  private readonly endorserBytes: Uint8Array;

  constructor(o: GatewayServiceOptions) {
    this.ledger = o.ledger;
    this.creators = new CreatorCheck(o.orgCas);
    this.peer = () => ({ address: o.peerAddress(), mspId: PEER_MSP });
    this.ordering = {
      ledger: o.ledger,
      creators: this.creators,
      orderer: () => ({ address: o.peerAddress(), mspId: PEER_MSP }),
    };
    this.endorserBytes = endorserIdentityBytes(o.ledger.node);
  }

  /** The handlers, keyed as grpc-js addService expects for gateway_grpc_pb's GatewayService. */
  handlers(): Grpc.UntypedServiceImplementation {
    return {
      evaluate: unary((req: FabricProtos.gateway.EvaluateRequest) => this.evaluate(req)),
      endorse: unary((req: FabricProtos.gateway.EndorseRequest) => this.endorse(req)),
      submit: unary((req: FabricProtos.gateway.SubmitRequest) => submit(this.ordering, req)),
      commitStatus: unaryWithCall((req: FabricProtos.gateway.SignedCommitStatusRequest, call) =>
        commitStatus(this.ordering, req, call),
      ),
      chaincodeEvents: (
        call: Grpc.ServerWritableStream<FabricProtos.gateway.SignedChaincodeEventsRequest, unknown>,
      ) => {
        streamChaincodeEvents(this.ledger, this.creators, call).catch((err: unknown) => {
          const e = asRpcError(err);
          call.emit('error', Object.assign(new Error(e.message), e.toStatus()));
        });
      },
    };
  }

  private async evaluate(
    req: FabricProtos.gateway.EvaluateRequest,
  ): Promise<FabricProtos.gateway.EvaluateResponse> {
    let done: ProcessedProposal;
    try {
      done = await processProposal(req.getProposedTransaction(), this.ledger.sim, this.creators);
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
    let done: ProcessedProposal;
    try {
      done = await processProposal(req.getProposedTransaction(), this.ledger.sim, this.creators);
    } catch (err) {
      if (!(err instanceof AccessDenied)) throw err;
      throw new GatewayRpcError(
        grpc.status.ABORTED,
        'failed to endorse transaction, see attached details for more info',
        [{ source: this.peer(), message: err.message }],
      );
    }
    const { response } = done;
    if (response.status < 200 || response.status >= 400) {
      throw new GatewayRpcError(
        grpc.status.ABORTED,
        'failed to endorse transaction, see attached details for more info',
        [{ source: this.peer(), message: `chaincode response ${response.status}, ${response.message}` }],
      );
    }
    const out = new p.gateway.EndorseResponse();
    out.setPreparedTransaction(preparedTransaction(done, this.ledger.node, this.endorserBytes));
    return out;
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
