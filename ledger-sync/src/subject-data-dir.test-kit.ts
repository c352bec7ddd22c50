/**
 * Test-only: a ledger-sync data dir (real embedded ledger + reading store) where one lot travelled two ways:
 * declared in pallet SSCC1's contents (with SGTINs SN-001, SN-002), and packed in case CASE inside pallet
 * SSCC2 (with SN-003), which declares no contents. SSCC1 was handed to CARRIER at DC after its monitored
 * leg; the lot is quarantined by ORG and released by QUALITY (a quality user), and its stability budget is
 * defined (120 min) and 12 min consumed. Both shipments are completed with verified readings.
 */
import { makeSscc } from '@coldtrail/core';
import {
  batchOf,
  ORG,
  PROFILE,
  payload,
  recordStream,
  T0,
  testClock,
  testDevice,
} from './fixtures.test-kit.js';
import { createOrgIdentity } from './ledger/identities.js';
import { openEmbeddedLedger } from './ledger/index.js';
import { silentLog } from './log.js';
import { start } from './start.js';

export const PREFIX = '0614141';
export const GTIN = '00614141107346';
export const LOT = 'L2026-07A';
export const EXPIRY = '2027-06-30';
export const SSCC1 = makeSscc(0, PREFIX, 1);
export const SSCC2 = makeSscc(0, PREFIX, 2);
export const CASE = makeSscc(1, PREFIX, 900);
export const CARRIER = 'CarrierMSP';
export const QUALITY = 'QualityMSP';
export const ORIGIN = 'urn:epc:id:sgln:0614141.00001.0';
export const DESTINATION = 'urn:epc:id:sgln:0614141.00002.0';
export const DC = 'urn:epc:id:sgln:0614141.00003.0';

const MIN = 60_000;
const READINGS = 30;

export async function buildSubjectDataDir(dir: string): Promise<void> {
  const clock = testClock(T0 - MIN);
  const ledger = await openEmbeddedLedger({ path: dir, clock });
  await createOrgIdentity(ledger.paths.keysDir, QUALITY, { 'coldtrail.role': 'quality' });
  const handle = await start(
    { dataDir: dir, org: ORG },
    { ledger: ledger.port(ORG), verifyLedger: (o) => ledger.verify(o), clock, log: silentLog },
  );
  const submit = (org: string, fn: string, ...args: unknown[]) =>
    ledger.port(org).submit(
      fn,
      args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))),
    );
  try {
    const shipments = [
      {
        sscc: SSCC1,
        device: testDevice('dev-1'),
        contents: [
          { gtin: GTIN, lot: LOT, expiry: EXPIRY, quantity: 40 },
          { gtin: GTIN, serial: 'SN-001' },
          { gtin: GTIN, serial: 'SN-002' },
        ],
      },
      { sscc: SSCC2, device: testDevice('dev-2') },
    ];
    for (const s of shipments) {
      await handle.registerDevice({ id: s.device.id, publicKey: s.device.publicKey });
      await handle.createShipment({
        sscc: s.sscc,
        device: s.device.id,
        origin: ORIGIN,
        destination: DESTINATION,
        product: 'Vaccine X',
        profile: PROFILE,
        ...(s.contents ? { contents: s.contents } : {}),
      });
    }
    await submit(ORG, 'Aggregate', CASE, {
      children: [
        { gtin: GTIN, lot: LOT, quantity: 10 },
        { gtin: GTIN, serial: 'SN-003' },
      ],
      location: ORIGIN,
    });
    await submit(ORG, 'Aggregate', SSCC2, { children: [{ sscc: CASE }], location: ORIGIN });
    for (const s of shipments) {
      const stream = recordStream(s.device.id);
      const batch = await batchOf(stream.next(READINGS), s.device.signer);
      await handle.ingest.ingest(ORG, s.device.id, payload(batch));
    }
    clock.set(T0 + (READINGS + 1) * MIN);
    for (const s of shipments) await handle.completeShipment(s.sscc, READINGS);
    clock.set(T0 + (READINGS + 30) * MIN);
    await submit(ORG, 'OfferCustody', SSCC1, { to: CARRIER, location: DC });
    clock.set(T0 + (READINGS + 45) * MIN);
    await submit(CARRIER, 'AcceptCustody', SSCC1, { location: DC });
    const lot = { gtin: GTIN, lot: LOT };
    await submit(QUALITY, 'DefineStabilityBudget', {
      gtin: GTIN,
      lowerC: 8,
      upperC: 25,
      allowedMinutes: 120,
    });
    await submit(ORG, 'ConsumeStabilityBudget', {
      subject: lot,
      minutes: 12,
      source: { type: 'shipment', id: SSCC1 },
    });
    await submit(ORG, 'SetDisposition', {
      subject: lot,
      action: 'quarantine',
      signer: 'A. Meier',
      reason: null,
    });
    await submit(QUALITY, 'SetDisposition', {
      subject: lot,
      action: 'release',
      signer: 'Dr. B. Keller',
      reason: 'stability data cover the 12 min',
    });
  } finally {
    await handle.close();
    await ledger.close();
  }
}
