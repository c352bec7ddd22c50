import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, gs1CheckDigit, systemClock } from '@coldtrail/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashTree } from '../../test/e2e/data-dir-kit.js';
import { parseLedgerSyncConfig } from './config.js';
import { openDefaultLedger } from './default-ledger.js';
import { type FabricTestNetwork, startFabricTestNetwork } from './fabric/fabric-test-network.test-kit.js';
import { tempDir } from './fixtures.test-kit.js';
import { createLedgerClient, openEmbeddedLedger } from './ledger/index.js';
import { openLedgerBrowser } from './ledger/ledger-browse.js';
import {
  LEDGER_SELECTION_FILE,
  readLedgerSelection,
  recordLedgerSelection,
  selectServerLedger,
} from './ledger-selection.js';
import { openQuery } from './query.js';
import { SqliteReadingStore } from './sqlite-reading-store.js';

// A data dir's ledger is recorded beside its records, and every read follows it (issue 8: a Fabric data dir
// must never be answered from empty or stale embedded files).
let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

const FABRIC = { ledger: 'fabric', fabricConnection: '/etc/coldtrail/connection.yaml' } as const;
const selectionFile = () => join(dir.path, LEDGER_SELECTION_FILE);

describe('the recorded ledger selection', () => {
  it('is embedded without a file, and what server start recorded with one', async () => {
    expect(readLedgerSelection(dir.path)).toEqual({ ledger: 'embedded' });
    expect(selectServerLedger(dir.path, undefined, undefined).selection).toEqual({ ledger: 'embedded' });
    const chosen = selectServerLedger(dir.path, 'fabric', FABRIC.fabricConnection);
    expect(chosen.selection).toEqual(FABRIC);
    // Nothing is written before the ledger answered (record()).
    expect(existsSync(selectionFile())).toBe(false);
    chosen.record();
    expect(JSON.parse(await readFile(selectionFile(), 'utf8'))).toEqual(FABRIC);
    // A later start without --ledger runs on the recorded ledger; a moved connection file may be recorded.
    expect(selectServerLedger(dir.path, undefined, undefined).selection).toEqual(FABRIC);
    selectServerLedger(dir.path, 'fabric', '/srv/new.yaml').record();
    expect(readLedgerSelection(dir.path)).toEqual({ ledger: 'fabric', fabricConnection: '/srv/new.yaml' });
  });

  it('refuses a switch that would leave records behind', async () => {
    recordLedgerSelection(dir.path, FABRIC);
    // Nor does anything open an embedded ledger on it behind the selection's back (ledger-sync's own start).
    await expect(
      openDefaultLedger(parseLedgerSyncConfig({ dataDir: dir.path, org: 'ColdtrailOrgMSP' }), systemClock),
    ).rejects.toThrow(/records Fabric as its ledger .*select ledger fabric/);
    expect(existsSync(join(dir.path, 'ledger.sqlite'))).toBe(false);
    expect(() => selectServerLedger(dir.path, 'embedded', undefined)).toThrow(
      /this data dir's ledger is Fabric .*--ledger fabric --fabric-connection FILE/,
    );
    const other = tempDir();
    try {
      const ledger = await openEmbeddedLedger({ path: other.path });
      await createLedgerClient(ledger.port('ColdtrailOrgMSP')).registerDevice({
        id: 'probe-1',
        publicKey: 'ab'.repeat(32),
      });
      await ledger.close();
      expect(() => selectServerLedger(other.path, 'fabric', FABRIC.fabricConnection)).toThrow(
        /records are on its embedded ledger .*ledger\.sqlite.*use another --data-dir for Fabric/,
      );
      expect(readLedgerSelection(other.path)).toEqual({ ledger: 'embedded' });
    } finally {
      other.cleanup();
    }
  });

  it.each([
    ['{"ledger":', /is not JSON/],
    ['[]', /is not a JSON object/],
    ['{"ledger":"fabric","fabricConnection":"relative.yaml"}', /absolute path of the Fabric connection file/],
    ['{"ledger":"besu"}', /"ledger" must be "embedded" or "fabric"/],
    ['{"ledger":"embedded","extra":1}', /unknown keys extra/],
  ])('refuses a damaged file %s, never reading it as embedded', async (text, why) => {
    writeFileSync(selectionFile(), text);
    let err: unknown;
    try {
      readLedgerSelection(dir.path);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: ErrorCode.InvalidConfig });
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain(selectionFile());
    await expect(openQuery({ dataDir: dir.path })).rejects.toMatchObject({ code: ErrorCode.InvalidConfig });
  });
});

describe('reads of a data dir whose ledger is Fabric', () => {
  const ORG = 'Org1MSP';
  const SSCC = `37612345000000001${gs1CheckDigit('37612345000000001')}`;
  let net: FabricTestNetwork;
  let data: { path: string; cleanup: () => void };
  beforeAll(async () => {
    net = await startFabricTestNetwork([ORG]);
    const client = createLedgerClient(await net.ledger(ORG));
    await client.registerDevice({ id: 'probe-f', publicKey: 'ab'.repeat(32) });
    await client.createShipment({
      sscc: SSCC,
      device: 'probe-f',
      origin: 'Basel DC',
      destination: 'Zurich pharmacy',
      product: 'Vaccine X',
      profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
      fromSeq: 1,
    });
    data = tempDir();
    recordLedgerSelection(data.path, { ledger: 'fabric', fabricConnection: await net.connectionFile(ORG) });
    (await SqliteReadingStore.open(join(data.path, 'readings.db'))).close();
  });
  afterAll(async () => {
    await net?.close();
    data?.cleanup();
  });

  it('answers from Fabric, the only place the shipment is, and writes nothing', async () => {
    const before = hashTree(data.path);
    const query = await openQuery({ dataDir: data.path });
    try {
      expect((await query.listShipments()).map((s) => s.sscc)).toEqual([SSCC]);
      expect(await query.getShipment(SSCC)).toMatchObject({ sscc: SSCC, device: 'probe-f', custodian: ORG });
      const report = await query.provenance(SSCC);
      expect(report.verification.checks.filter((c) => c.name === 'ledger' || c.name === 'tip')).toEqual([
        expect.objectContaining({ name: 'ledger', skipped: true }),
        expect.objectContaining({ name: 'tip', skipped: true }),
      ]);
      await expect(
        query.provenance(SSCC, { expectTip: { expectTip: { number: 1, hash: 'ab'.repeat(32) } } }),
      ).rejects.toThrow(/--expect-tip checks the tip of an embedded ledger: .* Fabric/);
      await expect(query.verifyLedger()).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
      await expect(query.exportTip()).rejects.toThrow(/held and validated by the peers/);
    } finally {
      await query.close();
    }
    // The block browser has no files to read here: it says where the blocks are, not "ledger missing".
    expect(() => openLedgerBrowser(data.path)).toThrow(
      /this data dir's ledger is Fabric .*peer channel fetch/,
    );
    expect(hashTree(data.path)).toEqual(before);
  });
});
