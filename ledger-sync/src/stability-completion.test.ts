import { makeSscc, type StabilityBudgetStatus } from '@coldtrail/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchOf,
  laneStream,
  ORG,
  PROFILE,
  payload,
  T0,
  tempDir,
  testClock,
  testDevice,
} from './fixtures.test-kit.js';
import { createOrgIdentity } from './ledger/identities.js';
import { openEmbeddedLedger } from './ledger/index.js';
import { silentLog } from './log.js';
import { start } from './start.js';

const GTIN = '00614141107346';
const LOT = 'L2026-09B';
const SSCC = makeSscc(0, '0614141', 41);
const QUALITY = 'QualityMSP';
const MIN = 60_000;

// A 30-minute lane: 5 °C, then minutes 10-19 at 12 °C (inside the budget's 8-25 °C band), then 5 °C again.
const tempAt = (m: number) => (m >= 10 && m < 20 ? 12 : 5);

async function rig() {
  const dir = tempDir();
  const clock = testClock(T0 - MIN);
  const ledger = await openEmbeddedLedger({ path: dir.path, clock });
  await createOrgIdentity(ledger.paths.keysDir, QUALITY, { 'coldtrail.role': 'quality' });
  const handle = await start(
    { dataDir: dir.path, org: ORG },
    { ledger: ledger.port(ORG), verifyLedger: (o) => ledger.verify(o), clock, log: silentLog },
  );
  const query = async (subject: object) =>
    JSON.parse(
      Buffer.from(
        await ledger.port(ORG).evaluate('GetStabilityBudget', [JSON.stringify(subject)]),
      ).toString(),
    ) as StabilityBudgetStatus;
  return {
    clock,
    handle,
    ledger,
    query,
    async close() {
      await handle.close();
      await ledger.close();
      dir.cleanup();
    },
  };
}

describe('shipment completion records stability budget consumption', () => {
  let r: Awaited<ReturnType<typeof rig>> | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  async function ship(defineBudget: boolean) {
    r = await rig();
    const device = testDevice('dev-1');
    if (defineBudget) {
      await r.ledger
        .port(QUALITY)
        .submit('DefineStabilityBudget', [
          JSON.stringify({ gtin: GTIN, lowerC: 8, upperC: 25, allowedMinutes: 120 }),
        ]);
    }
    await r.handle.registerDevice({ id: device.id, publicKey: device.publicKey });
    await r.handle.createShipment({
      sscc: SSCC,
      device: device.id,
      origin: 'urn:epc:id:sgln:0614141.00001.0',
      destination: 'urn:epc:id:sgln:0614141.00002.0',
      product: 'Vaccine X',
      profile: PROFILE,
      contents: [
        { gtin: GTIN, lot: LOT, expiry: '2027-06-30', quantity: 40 },
        { gtin: GTIN, serial: 'SN-101' },
      ],
    });
    const stream = laneStream(device.id, tempAt);
    const records = stream.next(60); // 30 minutes: a temperature and a humidity each minute
    await r.handle.ingest.ingest(ORG, device.id, payload(await batchOf(records, device.signer)));
    r.clock.set(T0 + 31 * MIN);
    return r;
  }

  it('counts the minutes inside the band for the pallet, and the lot and pack inside inherit them', async () => {
    const rr = await ship(true);
    await rr.handle.completeShipment(SSCC);
    const pallet = await rr.query({ sscc: SSCC, gtin: GTIN });
    expect(pallet).toMatchObject({ allowedMinutes: 120, consumedMinutes: 10, remainingMinutes: 110 });
    expect(pallet.parts).toEqual([
      expect.objectContaining({ origin: 'own', source: { type: 'shipment', id: SSCC }, minutes: 10 }),
    ]);
    for (const subject of [
      { gtin: GTIN, lot: LOT },
      { gtin: GTIN, serial: 'SN-101' },
    ]) {
      const status = await rr.query(subject);
      expect(status).toMatchObject({ consumedMinutes: 10, remainingMinutes: 110 });
      expect(status.parts).toEqual([
        expect.objectContaining({ origin: 'inherited', via: [SSCC], minutes: 10 }),
      ]);
    }
    // A retried completion consumes nothing more: the ledger keeps one record per source.
    await rr.handle.completeShipment(SSCC);
    expect((await rr.query({ gtin: GTIN, lot: LOT })).consumedMinutes).toBe(10);
  });

  it('records nothing for a product without a budget', async () => {
    const rr = await ship(false);
    await rr.handle.completeShipment(SSCC);
    const pallet = await rr.query({ sscc: SSCC, gtin: GTIN });
    expect(pallet).toMatchObject({ budget: null, consumedMinutes: 0, parts: [] });
  });
});
