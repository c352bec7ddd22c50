import { join } from 'node:path';
import { makeSscc } from '@coldtrail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTree } from '../../test/e2e/data-dir-kit.js';
import { type FabricTestNetwork, startFabricTestNetwork } from './fabric/fabric-test-network.test-kit.js';
import { tempDir } from './fixtures.test-kit.js';
import { createLedgerClient } from './ledger/index.js';
import { recordLedgerSelection } from './ledger-selection.js';
import { openQuery } from './query.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';

// The same answer for a lot through the Fabric query face (fabric-query.ts): the ledger read through the
// Gateway protocol, nothing written, the block checks skipped and said so, --expect-tip refused.
describe('subjectProvenance on a data dir whose ledger is Fabric', () => {
  const ORG = 'Org1MSP';
  const GTIN = '00614141107346';
  const SSCC = makeSscc(0, '0614141', 41);
  const CASE = makeSscc(1, '0614141', 42);
  let net: FabricTestNetwork;
  let data: { path: string; cleanup: () => void };

  beforeAll(async () => {
    net = await startFabricTestNetwork([ORG]);
    const port = await net.ledger(ORG);
    const client = createLedgerClient(port);
    await client.registerDevice({ id: 'probe-f', publicKey: 'ab'.repeat(32) });
    await client.createShipment({
      sscc: SSCC,
      device: 'probe-f',
      origin: 'urn:epc:id:sgln:0614141.00001.0',
      destination: 'urn:epc:id:sgln:0614141.00002.0',
      product: 'Vaccine X',
      profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
      fromSeq: 1,
      contents: [{ gtin: GTIN, lot: 'F-1', expiry: '2027-06-30', quantity: 5 }],
    });
    await port.submit('Aggregate', [
      CASE,
      JSON.stringify({
        children: [{ gtin: GTIN, serial: 'FS-1' }],
        location: 'urn:epc:id:sgln:0614141.00001.0',
      }),
    ]);
    await port.submit('Aggregate', [
      SSCC,
      JSON.stringify({ children: [{ sscc: CASE }], location: 'urn:epc:id:sgln:0614141.00001.0' }),
    ]);
    data = tempDir();
    recordLedgerSelection(data.path, { ledger: 'fabric', fabricConnection: await net.connectionFile(ORG) });
    (await SqliteReadingStore.open(join(data.path, 'readings.db'))).close();
  });
  afterAll(async () => {
    await net?.close();
    data?.cleanup();
  });

  it('answers a lot and an SGTIN in a case from the peer, and writes nothing', async () => {
    const before = hashTree(data.path);
    const query = await openQuery({ dataDir: data.path });
    try {
      const lot = await query.subjectProvenance({ kind: 'lot', gtin: GTIN, lot: 'F-1' });
      if (lot.kind === 'sscc') throw new Error('expected an item answer');
      expect(lot.shipments.map((s) => s.sscc)).toEqual([SSCC]);
      expect(lot.expiries).toEqual(['2027-06-30']);
      const checks = lot.shipments[0]?.provenance.verification.checks ?? [];
      expect(checks.filter((c) => c.name === 'ledger' || c.name === 'tip').map((c) => c.skipped)).toEqual([
        true,
        true,
      ]);
      const pack = await query.subjectProvenance({ kind: 'sgtin', gtin: GTIN, serial: 'FS-1' });
      if (pack.kind === 'sscc') throw new Error('expected an item answer');
      expect(pack.shipments.map((s) => s.path)).toEqual([[CASE, SSCC]]);
      expect(pack.recallScope.ssccs.map((s) => s.role).sort()).toEqual(['container', 'shipment']);
      await expect(
        query.subjectProvenance(
          { kind: 'lot', gtin: GTIN, lot: 'F-1' },
          { expectTip: { expectTip: { number: 1, hash: 'ab'.repeat(32) } } },
        ),
      ).rejects.toThrow(/--expect-tip checks the tip of an embedded ledger: .* Fabric/);
    } finally {
      await query.close();
    }
    expect(hashTree(data.path)).toEqual(before);
  });
});
