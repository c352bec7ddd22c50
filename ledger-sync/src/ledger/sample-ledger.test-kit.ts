import { openEmbeddedLedger } from './embedded-ledger.js';
import { createLedgerClient } from './ledger-client.js';

export const SAMPLE_ORG = 'ColdtrailOrgMSP';

/**
 * A small embedded ledger at `path` for tests that tamper with one at rest: probe-1 registered, shipment
 * `sscc` created, two anchors (1-5 root c…, 6-9 root d…), completed at 9. Blocks 0..4, one transaction each.
 */
export async function buildSampleLedger(path: string, sscc: string): Promise<void> {
  const ledger = await openEmbeddedLedger({ path });
  const client = createLedgerClient(ledger.port(SAMPLE_ORG));
  await client.registerDevice({ id: 'probe-1', publicKey: 'ab'.repeat(32) });
  await client.createShipment({
    sscc,
    device: 'probe-1',
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq: 1,
  });
  await client.anchorReadings({ device: 'probe-1', fromSeq: 1, toSeq: 5, root: 'c'.repeat(64), count: 5 });
  await client.anchorReadings({ device: 'probe-1', fromSeq: 6, toSeq: 9, root: 'd'.repeat(64), count: 4 });
  await client.completeShipment(sscc, 9, { excursions: [], reason: null });
  await ledger.close();
}
