import { ColdtrailError, isColdtrailError } from '@coldtrail/core';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  type ErrorDetail,
  GatewayError,
  StatusCode,
} from '@hyperledger/fabric-gateway';
import { describe, expect, it } from 'vitest';
import { chaincodeMessage, fabricCommitError, fabricError } from './fabric-errors.js';

function serviceError(code: status, message: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${message}`), {
    code,
    details: message,
    metadata: new Metadata(),
  });
}
const peer = (message: string): ErrorDetail => ({ address: 'peer0.org1:7051', mspId: 'Org1MSP', message });

function endorseError(code: status, message: string, details: ErrorDetail[]): EndorseError {
  const cause = serviceError(code, message);
  return new EndorseError({ code, details, cause, transactionId: 'tx-1', message: cause.message });
}
function gatewayError(code: status, message: string, details: ErrorDetail[] = []): GatewayError {
  const cause = serviceError(code, message);
  return new GatewayError({ code, details, cause, message: cause.message });
}

describe('fabric-gateway errors as ColdtrailErrors', () => {
  it("reads the contract's CODE: message out of an endorser's detail, like the embedded ledger", () => {
    const err = fabricError(
      'RegisterDevice',
      endorseError(status.ABORTED, 'failed to endorse transaction, see attached details for more info', [
        peer('chaincode response 500, CONFLICT: device probe-1 is registered already'),
      ]),
      'endorse',
    );
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('ledger refused RegisterDevice: device probe-1 is registered already');
    expect(err.details).toMatchObject({
      fn: 'RegisterDevice',
      phase: 'endorse',
      transactionId: 'tx-1',
      grpcStatus: 'ABORTED',
      peers: [{ address: 'peer0.org1:7051', mspId: 'Org1MSP', message: expect.stringContaining('CONFLICT') }],
    });
  });

  it.each([
    ['NOT_FOUND: no shipment 00123', 'NOT_FOUND'],
    ['FORBIDDEN: only the custodian may offer', 'FORBIDDEN'],
    ['INVALID_INPUT: bad id', 'INVALID_INPUT'],
    ['Expected 2 parameters, but 1 have been supplied', 'INVALID_INPUT'],
  ])('maps an evaluate refusal %s to %s (found in the status message without details)', (said, code) => {
    const err = fabricError(
      'GetDevice',
      gatewayError(
        status.UNKNOWN,
        `evaluate call to endorser returned error: chaincode response 500, ${said}`,
      ),
      'evaluate',
    );
    expect(err.code).toBe(code);
    expect(err.message).toBe(`ledger refused GetDevice: ${said.replace(/^[A-Z_]+: /, '')}`);
    expect(err.details).toMatchObject({ phase: 'evaluate', grpcStatus: 'UNKNOWN' });
  });

  it('prefers the detail carrying a code over an uncoded summary', () => {
    expect(
      chaincodeMessage({
        message: '10 ABORTED: failed to endorse transaction',
        details: [peer('connection refused'), peer('chaincode response 500, FORBIDDEN: not yours')],
      }),
    ).toBe('FORBIDDEN: not yours');
  });

  it('maps deadlines to TIMEOUT, saying a commit-status timeout may still commit', () => {
    const endorse = fabricError(
      'AnchorBatch',
      endorseError(status.DEADLINE_EXCEEDED, 'Deadline exceeded', []),
      'endorse',
    );
    expect(endorse.code).toBe('TIMEOUT');
    expect(endorse.message).toContain('deadlines.endorse');
    const cause = serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded');
    const commit = fabricError(
      'AnchorBatch',
      new CommitStatusError({
        code: cause.code,
        details: [],
        cause,
        transactionId: 'tx-9',
        message: cause.message,
      }),
      'commitStatus',
    );
    expect(commit.code).toBe('TIMEOUT');
    expect(commit.message).toContain('tx-9');
    expect(commit.message).toContain('may still commit');
    expect(commit.details).toMatchObject({
      phase: 'commitStatus',
      transactionId: 'tx-9',
      grpcStatus: 'DEADLINE_EXCEEDED',
    });
  });

  it.each([
    [status.UNAVAILABLE, 'UNAVAILABLE'],
    [status.PERMISSION_DENIED, 'FORBIDDEN'],
    [status.UNAUTHENTICATED, 'FORBIDDEN'],
    [status.NOT_FOUND, 'NOT_FOUND'],
    [status.INVALID_ARGUMENT, 'INVALID_INPUT'],
    [status.FAILED_PRECONDITION, 'INVALID_INPUT'],
  ])('maps gRPC status %s to %s whatever the text says', (code, expected) => {
    const err = fabricError(
      'GetDevice',
      gatewayError(code, 'CONFLICT: a text that must not decide'),
      'evaluate',
    );
    expect(err.code).toBe(expected);
    expect(err.cause).toBeInstanceOf(GatewayError);
  });

  it('maps a peer refusing the creator ("access denied") to FORBIDDEN, not to a contract refusal', () => {
    const endorse = fabricError(
      'RegisterDevice',
      endorseError(status.ABORTED, 'failed to endorse transaction, see attached details for more info', [
        peer(
          'access denied: channel [coldtrail] creator org [Org1MSP]: the creator certificate is not issued by a CA of Org1MSP',
        ),
      ]),
      'endorse',
    );
    expect(endorse.code).toBe('FORBIDDEN');
    expect(endorse.message).toContain('not issued by a CA of Org1MSP');
    const evaluate = fabricError(
      'GetDevice',
      gatewayError(
        status.FAILED_PRECONDITION,
        'evaluate call to endorser returned error: access denied: bad signature',
      ),
      'evaluate',
    );
    expect(evaluate.code).toBe('FORBIDDEN');
  });

  it('maps a failed submit to ordering as UNAVAILABLE with its transaction id', () => {
    const cause = serviceError(status.ABORTED, 'failed to send transaction to orderer');
    const submitError = Object.assign(
      new GatewayError({ code: cause.code, details: [], cause, message: cause.message }),
      { name: 'SubmitError', transactionId: 'tx-3' },
    );
    const err = fabricError('AnchorBatch', submitError, 'endorse');
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.details).toMatchObject({ phase: 'submit', transactionId: 'tx-3' });
  });

  it.each([
    [StatusCode.MVCC_READ_CONFLICT, 'CONFLICT', 'MVCC_READ_CONFLICT'],
    [StatusCode.PHANTOM_READ_CONFLICT, 'CONFLICT', 'PHANTOM_READ_CONFLICT'],
    [StatusCode.DUPLICATE_TXID, 'CONFLICT', 'DUPLICATE_TXID'],
    [StatusCode.ENDORSEMENT_POLICY_FAILURE, 'FORBIDDEN', 'ENDORSEMENT_POLICY_FAILURE'],
    [StatusCode.BAD_CREATOR_SIGNATURE, 'BAD_SIGNATURE', 'BAD_CREATOR_SIGNATURE'],
    [StatusCode.BAD_RWSET, 'INVALID_INPUT', 'BAD_RWSET'],
  ])('maps commit validation code %s to %s', (code, expected, name) => {
    const direct = fabricCommitError('AcceptCustody', 'tx-5', code, 12);
    expect(direct.code).toBe(expected);
    expect(direct.details).toMatchObject({
      phase: 'commit',
      transactionId: 'tx-5',
      validationCode: name,
      blockNumber: 12,
    });
    expect(direct.message).toContain(`in block 12 (${name})`);
    const viaClass = fabricError(
      'AcceptCustody',
      new CommitError({ code, transactionId: 'tx-5' }),
      'commitStatus',
    );
    expect(viaClass.code).toBe(expected);
  });

  it('passes a ColdtrailError through and wraps anything else as UNAVAILABLE', () => {
    const own = new ColdtrailError('NOT_FOUND', 'x');
    expect(fabricError('F', own, 'evaluate')).toBe(own);
    const other = fabricError('F', new Error('socket hang up'), 'submit');
    expect(isColdtrailError(other, 'UNAVAILABLE')).toBe(true);
    expect(other.message).toContain('socket hang up');
  });
});
