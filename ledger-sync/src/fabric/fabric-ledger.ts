/**
 * The LedgerPort on Hyperledger Fabric (DESIGN §3): the unmodified @hyperledger/fabric-gateway client over
 * gRPC with TLS to one gateway peer, signing as the connection's identity with the node:crypto signer, every
 * call bounded by its deadline from the connection file. `submit` endorses, sends for ordering and waits for
 * the commit status, so it resolves (like the embedded ledger's) once the transaction is committed valid in a
 * block; an invalidated commit and every gateway failure reject with the ColdtrailError fabric-errors.ts
 * maps it to. `events` listens to the chaincode's events with a checkpoint file (fabric-events.ts).
 */

import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import * as grpc from '@grpc/grpc-js';
import { connect } from '@hyperledger/fabric-gateway';
import type { LedgerPort, SubmitResult } from '../ledger-port.js';
import type { FabricConnection } from './fabric-config.js';
import { type FabricPhase, fabricCommitError, fabricError } from './fabric-errors.js';
import {
  type ChaincodeEventListener,
  type ChaincodeEventsOptions,
  listenChaincodeEvents,
} from './fabric-events.js';
import { FABRIC_SIGNER_HASH, nodeCryptoSigner } from './fabric-signer.js';

export interface FabricLedger extends LedgerPort {
  /** The org this client acts for (the connection's mspId). */
  readonly mspId: string;
  readonly channel: string;
  readonly chaincode: string;
  /** Listens to the chaincode's events from a checkpoint; see fabric-events.ts. */
  events(options: ChaincodeEventsOptions): Promise<ChaincodeEventListener>;
}

/** Connects (lazily: the first call opens the channel, and a down peer shows as UNAVAILABLE on that call). */
export function openFabricLedger(connection: FabricConnection): FabricLedger {
  const { deadlines } = connection;
  const client = new grpc.Client(
    connection.peerEndpoint,
    grpc.credentials.createSsl(connection.tlsRootCert),
    connection.serverNameOverride ? { 'grpc.ssl_target_name_override': connection.serverNameOverride } : {},
  );
  const within = (ms: number) => () => ({ deadline: Date.now() + ms });
  const gateway = connect({
    client,
    identity: { mspId: connection.mspId, credentials: Buffer.from(connection.certificate) },
    signer: nodeCryptoSigner(connection.privateKey),
    hash: FABRIC_SIGNER_HASH,
    evaluateOptions: within(deadlines.evaluate),
    endorseOptions: within(deadlines.endorse),
    submitOptions: within(deadlines.submit),
    commitStatusOptions: within(deadlines.commitStatus),
  });
  const network = gateway.getNetwork(connection.channel);
  const contract = network.getContract(connection.chaincode);

  let closed: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const listeners = new Set<ChaincodeEventListener>();
  const guard = <T>(fn: string, run: () => Promise<T>): Promise<T> => {
    if (closed) {
      return Promise.reject(
        new ColdtrailError(ErrorCode.Unavailable, `the Fabric ledger connection is closed; cannot run ${fn}`),
      );
    }
    const call = run();
    const tracked: Promise<boolean> = call.then(
      () => inFlight.delete(tracked),
      () => inFlight.delete(tracked),
    );
    inFlight.add(tracked);
    return call;
  };

  const submit = async (fn: string, args: readonly string[]): Promise<SubmitResult> => {
    let phase: FabricPhase = 'endorse';
    try {
      const submitted = await contract.submitAsync(fn, { arguments: [...args] });
      phase = 'commitStatus';
      const status = await submitted.getStatus();
      const blockNumber = Number(status.blockNumber);
      if (!status.successful) throw fabricCommitError(fn, status.transactionId, status.code, blockNumber);
      return { txId: status.transactionId, blockNumber, result: submitted.getResult() };
    } catch (err) {
      throw fabricError(fn, err, phase, connection.peerEndpoint);
    }
  };

  const evaluate = async (fn: string, args: readonly string[]): Promise<Uint8Array> => {
    try {
      return await contract.evaluate(fn, { arguments: [...args] });
    } catch (err) {
      throw fabricError(fn, err, 'evaluate', connection.peerEndpoint);
    }
  };

  return {
    mspId: connection.mspId,
    channel: connection.channel,
    chaincode: connection.chaincode,
    submit: (fn, args) => guard(fn, () => submit(fn, args)),
    evaluate: (fn, args) => guard(fn, () => evaluate(fn, args)),
    events: (options) =>
      guard('ChaincodeEvents', async () => {
        const listener = await listenChaincodeEvents({
          ...options,
          network,
          chaincode: connection.chaincode,
        });
        listeners.add(listener);
        listener.done.then(
          () => listeners.delete(listener),
          () => listeners.delete(listener),
        );
        return listener;
      }),
    close: () =>
      (closed ??= (async () => {
        // Calls under way finish (or fail on their deadline) before the channel goes.
        await Promise.allSettled([...inFlight]);
        await Promise.allSettled([...listeners].map((l) => l.close()));
        gateway.close();
        client.close();
      })()),
  };
}
