/**
 * Test-only (excluded from the build): the Gateway-protocol test server (fabric-test-server/) with, per org,
 * a connection file as an operator would write it (deploy/fabric/connection.example.yaml) and FabricLedgers
 * opened from those files, so the tests exercise the adapter exactly as the server runs it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  type GatewayTestServer,
  startGatewayTestServer,
} from '../fabric-test-server/gateway-test-server.test-kit.js';
import { tempDir } from '../fixtures.test-kit.js';
import { type FabricConnectionInput, loadFabricConnection } from './fabric-config.js';
import { type FabricLedger, openFabricLedger } from './fabric-ledger.js';

export interface FabricTestNetwork {
  server: GatewayTestServer;
  /** A temp directory that goes with the network (connection files, checkpoints). */
  dir: string;
  /** Writes the connection file for `mspId` (with `overrides` on top) and returns its path. */
  connectionFile(mspId: string, overrides?: Partial<FabricConnectionInput>): Promise<string>;
  /** A FabricLedger acting as `mspId`, closed with the network. */
  ledger(mspId: string, overrides?: Partial<FabricConnectionInput>): Promise<FabricLedger>;
  close(): Promise<void>;
}

export async function startFabricTestNetwork(
  orgs: string[],
  options: { blockMaxTx?: number; blockTimeoutMs?: number } = {},
): Promise<FabricTestNetwork> {
  const dir = tempDir();
  const server = await startGatewayTestServer({ dir: join(dir.path, 'network'), orgs, ...options });
  writeFileSync(join(dir.path, 'tls-ca.pem'), server.tlsRootCert);
  const ledgers = new Set<FabricLedger>();
  let files = 0;
  const connectionFile = async (mspId: string, overrides: Partial<FabricConnectionInput> = {}) => {
    const id = await server.identity(mspId);
    const n = files++;
    writeFileSync(join(dir.path, `${mspId}-${n}-cert.pem`), id.certificate);
    writeFileSync(join(dir.path, `${mspId}-${n}-key.pem`), id.privateKeyPem, { mode: 0o600 });
    const file = join(dir.path, `${mspId}-${n}.yaml`);
    const config: FabricConnectionInput = {
      peerEndpoint: server.endpoint,
      tlsRootCertPath: 'tls-ca.pem',
      serverNameOverride: server.serverNameOverride,
      mspId: id.mspId,
      certPath: `${mspId}-${n}-cert.pem`,
      keyPath: `${mspId}-${n}-key.pem`,
      channel: server.channel,
      chaincode: server.chaincode,
      ...overrides,
    };
    writeFileSync(file, stringify(config));
    return file;
  };
  return {
    server,
    dir: dir.path,
    connectionFile,
    async ledger(mspId, overrides) {
      const ledger = openFabricLedger(
        loadFabricConnection(await connectionFile(mspId, overrides), { env: {} }),
      );
      ledgers.add(ledger);
      return ledger;
    },
    async close() {
      await Promise.allSettled([...ledgers].map((l) => l.close()));
      await server.close();
      dir.cleanup();
    },
  };
}
