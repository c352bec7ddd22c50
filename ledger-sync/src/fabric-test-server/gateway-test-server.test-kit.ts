/**
 * The Fabric Gateway-protocol test server (test-only, excluded from the build): a real `gateway.Gateway`
 * gRPC service over TLS on 127.0.0.1 (Evaluate, Endorse, Submit, CommitStatus, ChaincodeEvents; see
 * gateway-service.test-kit.ts) backed by an embedded ledger in `dir`, so the unmodified
 * @hyperledger/fabric-gateway client, its real protobuf envelopes and its real signatures are exercised end
 * to end without a Fabric peer. Each org has its own ECDSA P-256 CA that issues client identities (Fabric MSP
 * style, optionally with Fabric CA attributes); its certificate is written to
 * `<ledger-keys>/msp/<MSP>/cacerts/ca.pem` of the backing ledger, so `ledger verify` accepts the creators it
 * issued. The server's TLS certificate comes from a separate test TLS CA (`tlsRootCert`).
 *
 *   const server = await startGatewayTestServer({ dir, orgs: ['Org1MSP'] });
 *   const id = await server.identity('Org1MSP');
 *   const client = new grpc.Client(server.endpoint, grpc.credentials.createSsl(server.tlsRootCert),
 *     { 'grpc.ssl_target_name_override': server.serverNameOverride });
 *   const gateway = connect({ client, identity: { mspId: id.mspId, credentials: Buffer.from(id.certificate) },
 *     signer: signers.newPrivateKeySigner(createPrivateKey(id.privateKeyPem)), hash: hash.sha256 });
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, isIdentifier } from '@coldtrail/core';
import type * as Grpc from '@grpc/grpc-js';
import type { CertificateAttributes } from '../ledger/identities.js';
import { CHAINCODE, CHANNEL, openGatewayLedger } from './gateway-ledger.test-kit.js';
import { grpc, protos } from './gateway-protos.test-kit.js';
import { GatewayService } from './gateway-service.test-kit.js';
import { createTestCa, type TestCa } from './test-ca.test-kit.js';

export interface GatewayTestServerOptions {
  /** The backing embedded ledger's directory (`ledger.sqlite` + `ledger-keys/`). */
  dir: string;
  /** MSP ids of the orgs whose clients may transact (each gets a CA). */
  orgs: string[];
  /** The ledger's clock (block timestamps; transaction timestamps are the clients'). */
  clock?: Clock;
  blockMaxTx?: number;
  blockTimeoutMs?: number;
}

export interface GatewayTestServer {
  /** "127.0.0.1:port" */
  endpoint: string;
  /** PEM of the CA that signed the server's TLS certificate. */
  tlsRootCert: Buffer;
  /** The TLS certificate's DNS name, e.g. "peer0.coldtrail.test". */
  serverNameOverride: string;
  channel: 'coldtrail';
  chaincode: 'coldtrail';
  /** The embedded ledger directory behind the server. */
  ledgerPath: string;
  /** A new client identity issued by the CA of org `mspId`; `attrs` adds Fabric CA's attribute extension. */
  identity(
    mspId: string,
    attrs?: CertificateAttributes,
  ): Promise<{ mspId: string; certificate: string; privateKeyPem: string }>;
  /** The PEM certificate of org `mspId`'s CA (added beyond the fixed interface). */
  caCertificate(mspId: string): string;
  close(): Promise<void>;
}

const SERVER_NAME = 'peer0.coldtrail.test';

export async function startGatewayTestServer(opts: GatewayTestServerOptions): Promise<GatewayTestServer> {
  for (const org of opts.orgs) {
    if (!isIdentifier(org)) throw new Error(`org "${org}" is not a valid MSP id`);
  }
  const ledger = await openGatewayLedger(opts);
  try {
    const cas = new Map<string, TestCa>();
    for (const org of opts.orgs) {
      const ca = await createTestCa(`CN=ca.${org.toLowerCase()}.coldtrail.test, O=${org}, OU=ca`);
      cas.set(org, ca);
      const dir = join(ledger.paths.keysDir, 'msp', org, 'cacerts');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'ca.pem'), ca.certificate);
    }
    const tlsCa = await createTestCa('CN=tlsca.coldtrail.test, O=coldtrail test network, OU=tls');
    const tls = await tlsCa.issueServer(SERVER_NAME);
    let endpoint = '';
    const service = new GatewayService({
      ledger,
      orgCas: new Map([...cas].map(([org, ca]) => [org, [ca.certificate]])),
      peerAddress: () => `${SERVER_NAME}:${endpoint.split(':')[1] ?? ''}`,
    });
    const server = new grpc.Server();
    // gateway_grpc_pb's service definition, from the same fabric-protos instance as the messages.
    const { GatewayService: definition } = protos.gateway as unknown as {
      GatewayService: Grpc.ServiceDefinition;
    };
    server.addService(definition, service.handlers());
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createSsl(
          null,
          [{ private_key: Buffer.from(tls.privateKeyPem), cert_chain: Buffer.from(tls.certificate) }],
          false,
        ),
        (err, bound) => (err ? reject(err) : resolve(bound)),
      ),
    );
    endpoint = `127.0.0.1:${port}`;
    let users = 0;
    let closing: Promise<void> | undefined;
    return {
      endpoint,
      tlsRootCert: Buffer.from(tlsCa.certificate),
      serverNameOverride: SERVER_NAME,
      channel: CHANNEL,
      chaincode: CHAINCODE,
      ledgerPath: ledger.paths.dir,
      async identity(mspId, attrs) {
        const ca = cas.get(mspId);
        if (!ca)
          throw new Error(
            `org ${mspId} is not one of this test network's orgs (${[...cas.keys()].join(', ')})`,
          );
        users++;
        const id = await ca.issueClient(`CN=user${users}@${mspId}, O=${mspId}, OU=client`, attrs);
        return { mspId, ...id };
      },
      caCertificate(mspId) {
        const ca = cas.get(mspId);
        if (!ca) throw new Error(`org ${mspId} is not one of this test network's orgs`);
        return ca.certificate;
      },
      close() {
        closing ??= (async () => {
          // Open event streams end with the server: a graceful shutdown, forced after a short grace period.
          await new Promise<void>((resolve) => {
            const force = setTimeout(() => server.forceShutdown(), 1000);
            server.tryShutdown(() => {
              clearTimeout(force);
              resolve();
            });
          });
          await ledger.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await ledger.close();
    throw err;
  }
}
