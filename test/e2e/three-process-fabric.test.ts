import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ptySupport } from '@coldtrail/firmware-sim';
import {
  createLedgerClient,
  loadFabricConnection,
  openFabricLedger,
  openQuery,
  provenance,
  readLedgerSelection,
  SqliteReadingStore,
} from '@coldtrail/ledger-sync';
import { afterEach, describe, expect, it } from 'vitest';
import { startFabricTestNetwork } from '../../ledger-sync/src/fabric/fabric-test-network.test-kit.js';
import {
  provenance as cliProvenance,
  completeShipment,
  createShipment,
  ORG,
  stackPerTest,
  until,
} from './three-process-kit.js';

/**
 * The three-process run of three-process.test.ts once more with `server start --ledger fabric`: the server
 * talks to a peer that speaks the real Fabric Gateway gRPC protocol (started here, backed by its own embedded
 * ledger), through the unmodified fabric-gateway client, with real TLS, signatures and protobuf envelopes.
 */
const pty = ptySupport();
const startStack = stackPerTest();
let network: Awaited<ReturnType<typeof startFabricTestNetwork>> | undefined;
afterEach(async () => {
  await network?.close();
  network = undefined;
});

describe.skipIf(!pty.available)(`sim + agent + server start --ledger fabric${pty.reason}`, () => {
  it('anchors the readings on Fabric and gives a provenance that verifies', async () => {
    network = await startFabricTestNetwork([ORG]);
    const connection = await network.connectionFile(ORG);
    const stack = await startStack({ serverArgs: ['--ledger', 'fabric', '--fabric-connection', connection] });
    const sscc = await createShipment(stack.serverDir);
    const agent = stack.startAgent();
    await until('the agent to have 20 readings acknowledged', async () => {
      const st = await stack.agentStatus();
      return st.ackedUpTo.seq >= 20 ? st : undefined;
    });
    expect(await agent.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const stopped = await stack.agentStatus();
    const done = await completeShipment(stack.serverDir, sscc);
    expect(done.shipment.fromSeq).toBe(1);
    expect(done.shipment.toSeq).toBe(stopped.committedUpTo);
    expect(await stack.server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await stack.sim.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // The server kept no ledger of its own: the blocks are the peer's.
    expect(existsSync(join(stack.serverDir, 'ledger-sync', 'ledger.sqlite'))).toBe(false);
    expect(existsSync(join(stack.serverDir, 'ledger-sync', 'readings.db'))).toBe(true);
    const storeFile = join(stack.serverDir, 'ledger-sync', 'readings.db');
    // The answer a Fabric deployment gives: ledger state through the gateway, readings from the data dir.
    // Block validation is the peers' job there, so the ledger and tip checks are skipped and say so.
    const fabric = openFabricLedger(loadFabricConnection(connection, { env: {} }));
    const store = SqliteReadingStore.openReadonly(storeFile);
    try {
      const report = await provenance({ ledger: createLedgerClient(fabric), store }, sscc);
      expect(report.verification.checks.filter((c) => !c.ok)).toEqual([]);
      const skipped = report.verification.checks.filter((c) => c.skipped).map((c) => c.name);
      expect(skipped.sort()).toEqual(['ledger', 'tip']);
      expect(report.verification.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining(['signatures', 'hash-chain', 'anchors', 'range', 'custody', 'excursions']),
      );
    } finally {
      await fabric.close();
      await store.close();
    }

    // The data dir records its ledger, so `coldtrail provenance` on it asks Fabric (not empty embedded files).
    expect(readLedgerSelection(join(stack.serverDir, 'ledger-sync'))).toEqual({
      ledger: 'fabric',
      fabricConnection: connection,
    });
    const cli = await cliProvenance(stack.serverDir, sscc);
    expect(cli.code).toBe(0);
    expect(cli.report.shipment.toSeq).toBe(stopped.committedUpTo);
    expect(cli.report.verification.checks.filter((c) => c.skipped).map((c) => c.name)).toEqual([
      'ledger',
      'tip',
    ]);

    // An auditor holding the peer's copy of the ledger checks its blocks too: every check runs and passes.
    const query = await openQuery({
      dataDir: join(stack.serverDir, 'ledger-sync'),
      ledgerPath: network.server.ledgerPath,
    });
    try {
      const report = await query.provenance(sscc);
      expect(report.verification.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.verification.checks.filter((c) => c.skipped && c.name === 'ledger')).toEqual([]);
      expect(report.verification.ok).toBe(true);
    } finally {
      await query.close();
    }
  }, 180_000);
});
