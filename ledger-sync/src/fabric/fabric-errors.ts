/**
 * fabric-gateway's errors as ColdtrailErrors, so a caller sees the same codes from Fabric as from the
 * embedded ledger (a contract refusal `CONFLICT: ...` is CONFLICT on both), and keeps what the gateway said:
 * the transaction id, the gRPC status, every peer's ErrorDetail (address, mspId, message) and a commit's
 * validation code, in `details`.
 *
 * | gateway error                          | ColdtrailError code                                   |
 * |----------------------------------------|-------------------------------------------------------|
 * | Evaluate / EndorseError, chaincode said `CODE: msg` | that CODE (chaincode-error.ts), else INVALID_INPUT |
 * | any call, gRPC DEADLINE_EXCEEDED       | TIMEOUT (a commit-status timeout: "may still commit") |
 * | any call, gRPC UNAVAILABLE / CANCELLED | UNAVAILABLE                                           |
 * | gRPC PERMISSION_DENIED/UNAUTHENTICATED | FORBIDDEN                                             |
 * | a peer's "access denied" (the creator) | FORBIDDEN                                             |
 * | gRPC NOT_FOUND (channel, chaincode)    | NOT_FOUND                                             |
 * | gRPC INVALID_ARGUMENT/FAILED_PRECONDITION | INVALID_INPUT                                      |
 * | SubmitError / CommitStatusError, other | UNAVAILABLE                                           |
 * | CommitError MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT, DUPLICATE_TXID | CONFLICT (as embedded)  |
 * | CommitError ENDORSEMENT_POLICY_FAILURE | FORBIDDEN                                             |
 * | CommitError BAD_CREATOR_SIGNATURE      | BAD_SIGNATURE                                         |
 * | CommitError, other validation codes    | INVALID_INPUT                                         |
 */

import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  type ErrorDetail,
  GatewayError,
  StatusCode,
} from '@hyperledger/fabric-gateway';
// SubmitError is exported as a type only; it sets `name` like its siblings.
import { chaincodeError } from '../ledger/chaincode-error.js';

/** The step of a call that failed: Evaluate, Endorse, Submit (to ordering), CommitStatus, or the commit itself. */
export type FabricPhase = 'evaluate' | 'endorse' | 'submit' | 'commitStatus' | 'commit';

const VALIDATION_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(StatusCode).map(([name, code]) => [code, name]),
);

/** The name of a transaction validation code (11 -> MVCC_READ_CONFLICT). */
export function validationCodeName(code: number): string {
  return VALIDATION_NAMES[code] ?? `code ${code}`;
}

/**
 * The commit of transaction `txId` (of `fn`) was recorded invalid in `blockNumber` with validation `code`:
 * the error the embedded ledger gives for the same outcome.
 */
export function fabricCommitError(
  fn: string,
  txId: string,
  code: number,
  blockNumber?: number,
): ColdtrailError {
  const name = validationCodeName(code);
  const inBlock = blockNumber === undefined ? '' : ` in block ${blockNumber}`;
  const details = { fn, phase: 'commit', transactionId: txId, validationCode: name, blockNumber };
  switch (code) {
    case StatusCode.MVCC_READ_CONFLICT:
    case StatusCode.PHANTOM_READ_CONFLICT:
      return new ColdtrailError(
        ErrorCode.Conflict,
        `transaction ${txId} (${fn}) was invalidated${inBlock} (${name}): state it read changed before it committed; submit it again`,
        { details },
      );
    case StatusCode.DUPLICATE_TXID:
      return new ColdtrailError(
        ErrorCode.Conflict,
        `transaction ${txId} (${fn}) was committed before${inBlock} (${name})`,
        {
          details,
        },
      );
    case StatusCode.ENDORSEMENT_POLICY_FAILURE:
      return new ColdtrailError(
        ErrorCode.Forbidden,
        `transaction ${txId} (${fn}) was invalidated${inBlock} (${name}): its endorsements do not satisfy the chaincode's endorsement policy; check which orgs must endorse it`,
        { details },
      );
    case StatusCode.BAD_CREATOR_SIGNATURE:
      return new ColdtrailError(
        ErrorCode.BadSignature,
        `transaction ${txId} (${fn}) was invalidated${inBlock} (${name}): the peers did not accept this client's signature; check certPath and keyPath belong together and to mspId`,
        { details },
      );
    default:
      return new ColdtrailError(
        ErrorCode.InvalidInput,
        `transaction ${txId} (${fn}) was invalidated${inBlock} (${name})`,
        { details },
      );
  }
}

/** Any error from a fabric-gateway call for `fn` (in `phase` when the error class does not say). */
export function fabricError(
  fn: string,
  err: unknown,
  phase: FabricPhase,
  /** The connection's peerEndpoint, named in the messages that ask to check the peer. */
  peerEndpoint?: string,
): ColdtrailError {
  if (err instanceof ColdtrailError) return err;
  if (err instanceof CommitError) return fabricCommitError(fn, err.transactionId, err.code);
  if (!(err instanceof GatewayError)) {
    const message = err instanceof Error ? err.message : String(err);
    return new ColdtrailError(ErrorCode.Unavailable, `Fabric ${phase} of ${fn} failed: ${message}`, {
      cause: err,
      details: { fn, phase },
    });
  }
  const at: FabricPhase =
    err instanceof EndorseError
      ? 'endorse'
      : err.name === 'SubmitError'
        ? 'submit'
        : err instanceof CommitStatusError
          ? 'commitStatus'
          : phase;
  const transactionId = 'transactionId' in err ? (err.transactionId as string) : undefined;
  const details: Record<string, unknown> = {
    phase: at,
    ...(transactionId === undefined ? {} : { transactionId }),
    grpcCode: err.code,
    grpcStatus: GrpcStatus[err.code] ?? String(err.code),
    peers: err.details.map(({ address, mspId, message }: ErrorDetail) => ({ address, mspId, message })),
  };
  const opts = { cause: err, details: { fn, ...details } };
  const said = gatewaySaid(err);
  // A peer refusing the creator (unknown org, a certificate its CA did not issue, a bad signature) says
  // "access denied" (Fabric's core/common/validation msgvalidation.go) whatever gRPC status carries it.
  // A chaincode's own answer (`chaincode response 500, ...`) is the contract's, even if it says so too.
  const texts = [said, ...err.details.map((d) => d.message)];
  const fromChaincode = texts.some((t) => /chaincode response \d+/.test(t));
  const denied = fromChaincode ? undefined : texts.find((t) => /access denied/i.test(t));
  if (
    denied !== undefined &&
    err.code !== GrpcStatus.DEADLINE_EXCEEDED &&
    err.code !== GrpcStatus.UNAVAILABLE
  ) {
    return new ColdtrailError(
      ErrorCode.Forbidden,
      `Fabric refused ${at} of ${fn} for this identity (${denied}); check mspId, and that certPath was issued by that org's CA and keyPath is its key`,
      opts,
    );
  }
  switch (err.code) {
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new ColdtrailError(
        ErrorCode.Timeout,
        at === 'commitStatus'
          ? `transaction ${transactionId} (${fn}) was sent for ordering but its commit status did not arrive in time; it may still commit: raise deadlines.commitStatus, or look it up before submitting again`
          : `Fabric ${at} of ${fn} did not answer in time; raise deadlines.${at} in the connection file if the network is slow`,
        opts,
      );
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.CANCELLED:
      return new ColdtrailError(
        ErrorCode.Unavailable,
        `Fabric gateway is unavailable for ${at} of ${fn} (${said}); check that the peer at ${peerEndpoint ?? 'peerEndpoint'} runs and that tlsRootCertPath and serverNameOverride match its TLS certificate`,
        opts,
      );
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
      return new ColdtrailError(
        ErrorCode.Forbidden,
        `Fabric refused ${at} of ${fn} for this identity (${said}); check mspId, certPath and keyPath`,
        opts,
      );
    case GrpcStatus.NOT_FOUND:
      return new ColdtrailError(
        ErrorCode.NotFound,
        `Fabric ${at} of ${fn}: ${said}; check channel and chaincode in the connection file`,
        opts,
      );
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.FAILED_PRECONDITION:
      return new ColdtrailError(ErrorCode.InvalidInput, `Fabric ${at} of ${fn} refused: ${said}`, opts);
    default:
      break;
  }
  if (at === 'evaluate' || at === 'endorse') return chaincodeError(fn, chaincodeMessage(err), details);
  return new ColdtrailError(ErrorCode.Unavailable, `Fabric ${at} of ${fn} failed: ${said}`, opts);
}

/** The gateway's own message without grpc-js's `N STATUS: ` prefix. */
function gatewaySaid(err: GatewayError): string {
  return err.message.replace(/^\d+ [A-Z_]+: /, '');
}

/**
 * The chaincode's own message from an endorsement failure. Fabric's gateway puts each endorser's answer in an
 * ErrorDetail (`chaincode response 500, CONFLICT: ...`) and a summary in the status message; the contract's
 * `CODE: message` is looked for in the details first, then in the message.
 */
export function chaincodeMessage(err: Pick<GatewayError, 'message' | 'details'>): string {
  const texts = [...err.details.map((d) => d.message), err.message.replace(/^\d+ [A-Z_]+: /, '')];
  for (const text of texts) {
    const coded = /(?:^|[\s:,])((?:INVALID_INPUT|NOT_FOUND|FORBIDDEN|CONFLICT): [\s\S]*)$/.exec(text);
    if (coded) return coded[1] as string;
  }
  const first = texts[0] as string;
  const response = /chaincode response \d+, ([\s\S]*)$/.exec(first);
  return response ? (response[1] as string) : first;
}
