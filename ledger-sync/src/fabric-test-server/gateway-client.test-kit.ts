/**
 * Test-only: the unmodified @hyperledger/fabric-gateway client connected to a Gateway test server, as an
 * application connects to a Fabric peer (gRPC client with TLS, identity, private-key signer, deadlines), and
 * a LedgerPort over its Contract (endorse + submit + commit status) for scenario replays.
 */
import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  type Contract,
  connect,
  type Gateway,
  hash,
  type Network,
  signers,
} from '@hyperledger/fabric-gateway';
import type { LedgerPort } from '../ledger-port.js';
import type { GatewayTestServer } from './gateway-test-server.test-kit.js';

export interface ConnectedClient {
  gateway: Gateway;
  network: Network;
  contract: Contract;
  client: grpc.Client;
  close(): void;
}

export function connectClient(
  server: GatewayTestServer,
  id: { mspId: string; certificate: string; privateKeyPem: string },
  signingKeyPem: string = id.privateKeyPem,
): ConnectedClient {
  const client = new grpc.Client(server.endpoint, grpc.credentials.createSsl(server.tlsRootCert), {
    'grpc.ssl_target_name_override': server.serverNameOverride,
  });
  const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
  const gateway = connect({
    client,
    identity: { mspId: id.mspId, credentials: Buffer.from(id.certificate) },
    signer: signers.newPrivateKeySigner(createPrivateKey(signingKeyPem)),
    hash: hash.sha256,
    evaluateOptions: deadline(10_000),
    endorseOptions: deadline(20_000),
    submitOptions: deadline(10_000),
    commitStatusOptions: deadline(60_000),
  });
  const network = gateway.getNetwork(server.channel);
  const contract = network.getContract(server.chaincode);
  return {
    gateway,
    network,
    contract,
    client,
    close() {
      gateway.close();
      client.close();
    },
  };
}

/** A LedgerPort over a fabric-gateway Contract; a transaction committed invalid rejects with its status. */
export function contractPort(contract: Contract): LedgerPort {
  return {
    async submit(fn, args) {
      const tx = await contract.newProposal(fn, { arguments: [...args] }).endorse();
      const commit = await tx.submit();
      const status = await commit.getStatus();
      if (!status.successful)
        throw Object.assign(new Error(`${fn} committed invalid (${status.code})`), { status });
      return { txId: status.transactionId, blockNumber: Number(status.blockNumber), result: tx.getResult() };
    },
    evaluate: (fn, args) => contract.evaluateTransaction(fn, ...args),
    close: async () => {},
  };
}
