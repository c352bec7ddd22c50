/**
 * The protobuf and gRPC module instances of the Gateway test server (test-only), taken from where
 * @hyperledger/fabric-gateway resolves them: messages the server builds must come from the same
 * @hyperledger/fabric-protos and google-protobuf instances as the service definition they are sent through
 * (../shared/DEPENDENCIES.md), and never from fabric-shim's older 0.2.2 copy. Also the gRPC error shape of
 * Fabric's gateway (internal/pkg/gateway newRpcError): a status whose details are gateway.ErrorDetail
 * messages in `grpc-status-details-bin`, which fabric-gateway turns into GatewayError.details.
 */
import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import type { Protos } from '../ledger/fabric-envelope.js';

const here = createRequire(import.meta.url);
const gatewayRequire = createRequire(here.resolve('@hyperledger/fabric-gateway'));

export const protos = gatewayRequire('@hyperledger/fabric-protos') as Protos;
export const grpc = gatewayRequire('@grpc/grpc-js') as typeof Grpc;

interface AnyMessage {
  setTypeUrl(url: string): void;
  setValue(value: Uint8Array): void;
}
const { Any } = gatewayRequire('google-protobuf/google/protobuf/any_pb') as { Any: new () => AnyMessage };
const { Timestamp } = gatewayRequire('google-protobuf/google/protobuf/timestamp_pb') as {
  Timestamp: { fromDate(d: Date): unknown };
};

export { Timestamp };

/** Where an error happened, as a gateway.ErrorDetail names it (the endorsing peer or the orderer). */
export interface ErrorSource {
  address: string;
  mspId: string;
}

/** A gRPC error with Fabric gateway ErrorDetails; throw it from a handler. */
export class GatewayRpcError extends Error {
  readonly code: Grpc.status;
  readonly metadata: Grpc.Metadata;
  constructor(code: Grpc.status, message: string, details: { source: ErrorSource; message: string }[] = []) {
    super(message);
    this.code = code;
    this.metadata = new grpc.Metadata();
    if (details.length > 0) {
      const status = new protos.google.rpc.Status();
      status.setCode(code);
      status.setMessage(message);
      status.setDetailsList(
        details.map((d) => {
          const detail = new protos.gateway.ErrorDetail();
          detail.setAddress(d.source.address);
          detail.setMspId(d.source.mspId);
          detail.setMessage(d.message);
          const any = new Any();
          any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
          any.setValue(detail.serializeBinary());
          return any as never;
        }),
      );
      this.metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
    }
  }

  /** What a grpc-js callback or stream takes. */
  toStatus(): Partial<Grpc.StatusObject> {
    return { code: this.code, details: this.message, metadata: this.metadata };
  }
}
