/**
 * Test-only: a ledger-sync data dir (real embedded ledger, real ingest, anchoring and completion) holding one
 * completed shipment of device `probe-b` with two hours of readings (temperature + humidity each minute), a
 * 40-minute excursion above 8 °C recorded by the completion, and a hand-over to CARRIER after it.
 */
import { makeSscc } from '@coldtrail/core';
import {
  batchOf,
  laneStream,
  ORG,
  PROFILE,
  payload,
  T0,
  testClock,
  testDevice,
} from '../fixtures.test-kit.js';
import { openEmbeddedLedger } from '../ledger/index.js';
import { silentLog } from '../log.js';
import { start } from '../start.js';

export const BUNDLE_SSCC = makeSscc(0, '0614141', 77);
export const BUNDLE_DEVICE = 'probe-b';
export const CARRIER = 'CarrierMSP';
const MIN = 60_000;
const MINUTES = 120;

export async function buildBundleDataDir(dir: string): Promise<void> {
  const clock = testClock(T0 - MIN);
  const ledger = await openEmbeddedLedger({ path: dir, clock });
  const handle = await start(
    { dataDir: dir, org: ORG },
    { ledger: ledger.port(ORG), verifyLedger: (o) => ledger.verify(o), clock, log: silentLog },
  );
  try {
    const device = testDevice(BUNDLE_DEVICE);
    await handle.registerDevice({ id: device.id, publicKey: device.publicKey });
    await handle.createShipment({
      sscc: BUNDLE_SSCC,
      device: device.id,
      origin: 'Basel DC',
      destination: 'Lagos pharmacy',
      product: 'Vaccine X',
      profile: PROFILE,
    });
    const stream = laneStream(device.id, (m) => (m >= 30 && m < 70 ? 9.5 : 5 + (m % 4) / 10));
    for (let i = 0; i < 4; i++) {
      const batch = await batchOf(stream.next(MINUTES / 2), device.signer);
      const out = await handle.ingest.ingest(ORG, device.id, payload(batch));
      if (out.status !== 'stored') throw new Error(`test kit: batch ${batch.fromSeq} ${out.status}`);
    }
    await handle.waitForStored(device.id, MINUTES * 2);
    await handle.idle();
    clock.set(T0 + (MINUTES + 1) * MIN);
    await handle.completeShipment(BUNDLE_SSCC, MINUTES * 2);
    clock.set(T0 + (MINUTES + 30) * MIN);
    await ledger
      .port(ORG)
      .submit('OfferCustody', [
        BUNDLE_SSCC,
        JSON.stringify({ to: CARRIER, location: 'urn:epc:id:sgln:0614141.00003.0' }),
      ]);
  } finally {
    await handle.close();
    await ledger.close();
  }
}
