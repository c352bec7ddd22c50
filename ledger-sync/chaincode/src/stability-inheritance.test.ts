import { describe, expect, it } from 'vitest';
import { CARRIER, CASE1, carrierPeer, DC, GTIN, lotLine, PALLET } from './custody.test-kit.js';
import { roleCaller } from './test-certificates.test-kit.js';
import type { MemoryPeer } from './test-harness.js';

// Stability budget inherited through aggregation, pallet -> case -> pack (issue 9; stability-inheritance.ts).
// Runs the tsc output (dist/): `npx tsc -b ledger-sync/chaincode` first.
const quality = await roleCaller(CARRIER, 'qa.lead', 'quality');
const PACK = { gtin: GTIN, serial: 'SN-001' };
const LOT = { gtin: GTIN, lot: 'L-24A' };
const ON_PALLET = { sscc: PALLET, gtin: GTIN };
const ON_CASE = { sscc: CASE1, gtin: GTIN };
const EXCURSION = `${PALLET}:single-event:above:1740816000000`;

const agg = (children: object[]) => JSON.stringify({ children, location: DC });
const consume = (peer: MemoryPeer, subject: object, minutes: number, id = PALLET, type = 'shipment') =>
  peer.ok(CARRIER, 'ConsumeStabilityBudget', JSON.stringify({ subject, minutes, source: { type, id } }));
const status = async (peer: MemoryPeer, subject: object) =>
  (await peer.ok(CARRIER, 'GetStabilityBudget', JSON.stringify(subject))) as {
    consumedMinutes: number;
    remainingMinutes: number | null;
    consumptions: number;
    parts: Record<string, unknown>[];
  };

/** PALLET (a shipment) holds CASE1, which holds the pack and 10 of the lot; a budget of 600 min. */
async function packedPeer(contents?: unknown[]): Promise<MemoryPeer> {
  const peer = await carrierPeer(contents);
  await peer.ok(
    quality,
    'DefineStabilityBudget',
    JSON.stringify({ gtin: GTIN, lowerC: 8, upperC: 25, allowedMinutes: 600 }),
  );
  await peer.ok(
    CARRIER,
    'Aggregate',
    CASE1,
    JSON.stringify({ children: [PACK, { ...LOT, quantity: 10 }], location: DC }),
  );
  await peer.ok(CARRIER, 'Aggregate', PALLET, agg([{ sscc: CASE1 }]));
  return peer;
}

describe('stability budget inherited through aggregation', () => {
  it('counts for a pack, a lot and a case what their pallet consumed, and names where it came from', async () => {
    const peer = await packedPeer();
    await consume(peer, ON_PALLET, 90);
    await consume(peer, PACK, 15, EXCURSION, 'excursion');
    const pack = await status(peer, PACK);
    expect(pack).toMatchObject({ consumedMinutes: 105, remainingMinutes: 495, consumptions: 2 });
    expect(pack.parts).toEqual([
      expect.objectContaining({ origin: 'own', recordedFor: PACK, via: [], minutes: 15, counted: true }),
      expect.objectContaining({
        origin: 'inherited',
        recordedFor: ON_PALLET,
        via: [CASE1, PALLET],
        source: { type: 'shipment', id: PALLET },
        minutes: 90,
        counted: true,
      }),
    ]);
    expect(await status(peer, LOT)).toMatchObject({ consumedMinutes: 90, consumptions: 1 });
    const inCase = await status(peer, ON_CASE);
    expect(inCase).toMatchObject({ consumedMinutes: 90 });
    expect(inCase.parts[0]).toMatchObject({ origin: 'inherited', via: [PALLET] });
    // The pallet itself has only its own record; another product on the pallet inherits nothing of GTIN's.
    expect(await status(peer, ON_PALLET)).toMatchObject({ consumedMinutes: 90, consumptions: 1 });
    expect(await status(peer, { gtin: '07612345000022', serial: 'SN-001' })).toMatchObject({
      consumedMinutes: 0,
    });
  });

  it('counts a consumption once when it reaches the pack by two paths, and one source once', async () => {
    // The pack is declared in the pallet's contents and also packed in CASE1 inside the pallet.
    const peer = await packedPeer([PACK, lotLine('L-24A', 10)]);
    await consume(peer, ON_PALLET, 90);
    expect(await status(peer, PACK)).toMatchObject({ consumedMinutes: 90, consumptions: 1 });
    // The same shipment recorded again for the case (60 min): one source, the larger record counts.
    await consume(peer, ON_CASE, 60);
    const pack = await status(peer, PACK);
    expect(pack).toMatchObject({ consumedMinutes: 90, consumptions: 1 });
    // Parts are listed by container SSCC (the pallet's number sorts first here), whichever counted.
    expect(pack.parts).toEqual([
      expect.objectContaining({ recordedFor: ON_PALLET, via: [PALLET], minutes: 90, counted: true }),
      expect.objectContaining({
        recordedFor: ON_CASE,
        minutes: 60,
        counted: false,
        notCounted: 'source-counted',
      }),
    ]);
    expect(await status(peer, LOT)).toMatchObject({ consumedMinutes: 90, consumptions: 1 });
  });

  it('does not count for a pack what its container consumed after the pack left it', async () => {
    const peer = await packedPeer();
    await consume(peer, ON_PALLET, 20, EXCURSION, 'excursion'); // while the pack was inside
    await peer.ok(CARRIER, 'Disaggregate', CASE1, agg([PACK]));
    await consume(peer, ON_PALLET, 90); // after it left
    const pack = await status(peer, PACK);
    expect(pack).toMatchObject({ consumedMinutes: 20, consumptions: 1 });
    expect(pack.parts).toEqual([
      expect.objectContaining({ source: { type: 'excursion', id: EXCURSION }, counted: true }),
      expect.objectContaining({
        source: { type: 'shipment', id: PALLET },
        counted: false,
        notCounted: 'not-inside',
      }),
    ]);
    // The lot is still in the case, so it inherits both.
    expect(await status(peer, LOT)).toMatchObject({ consumedMinutes: 110, consumptions: 2 });
    // Packed in again: a later consumption counts, the one while it was out still does not.
    await peer.ok(CARRIER, 'Aggregate', CASE1, agg([PACK]));
    await consume(peer, ON_PALLET, 5, `${PALLET}:single-event:below:1740816000000`, 'excursion');
    expect(await status(peer, PACK)).toMatchObject({ consumedMinutes: 25, consumptions: 2 });
  });

  it('reads only: a query writes nothing', async () => {
    const peer = await packedPeer();
    await consume(peer, ON_PALLET, 90);
    expect((await peer.invoke(CARRIER, 'GetStabilityBudget', JSON.stringify(PACK))).writes).toEqual([]);
  });
});
