import { describe, expect, it } from 'vitest';
import {
  at,
  CARRIER,
  CASE1,
  carrierPeer,
  GTIN,
  GTIN2,
  lotLine,
  OWNER,
  offer,
  PALLET,
  PHARMACY,
  SHOP,
} from './custody.test-kit.js';

// Who may put a lot or an SGTIN on hold (issue 8: access control in the contract): the orgs that hold or held
// a shipment carrying it, directly or inside a container; nobody else on the channel.
// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const OUTSIDER = 'OutsiderMSP';
const hold = (subject: object) => JSON.stringify({ subject, action: 'quarantine', signer: 'Kim Lee' });
const LOT = { gtin: GTIN, lot: 'L-24A' };
const PACK = { gtin: GTIN2, serial: 'P-9' };

async function handedOver() {
  const peer = await carrierPeer([lotLine('L-24A', 100)]);
  await peer.ok(CARRIER, 'Aggregate', CASE1, JSON.stringify({ children: [PACK], location: SHOP }));
  await peer.ok(
    CARRIER,
    'Aggregate',
    PALLET,
    JSON.stringify({ children: [{ sscc: CASE1 }], location: SHOP }),
  );
  return peer;
}

describe('quarantine of a lot or an SGTIN', () => {
  it('is refused to an org that never held a shipment carrying it, and writes nothing', async () => {
    const peer = await handedOver();
    const refused = await peer.invoke(OUTSIDER, 'SetDisposition', hold(LOT));
    expect(refused.status).toBe(500);
    expect(refused.message).toMatch(
      new RegExp(
        `^FORBIDDEN: only an org that holds or held a shipment carrying lot L-24A .*\\(${PALLET}\\); ${OUTSIDER} never did`,
      ),
    );
    expect(refused.writes).toEqual([]);
    // The pack is inside a case inside the pallet: the carrier's right reaches it through the containers.
    expect((await peer.invoke(OUTSIDER, 'SetDisposition', hold(PACK))).message).toMatch(/^FORBIDDEN: /);
    expect(await peer.ok(CARRIER, 'SetDisposition', hold(PACK))).toMatchObject({
      disposition: 'quarantined',
    });
    expect(await peer.ok(OWNER, 'GetDisposition', JSON.stringify(LOT))).toBeNull();
  });

  it('is open to the custodian, the receiver once it accepted, and a former custodian', async () => {
    const peer = await handedOver();
    await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY, SHOP));
    // Offered is not held: the pharmacy may act once it accepted.
    expect((await peer.invoke(PHARMACY, 'SetDisposition', hold(LOT))).message).toMatch(/^FORBIDDEN: /);
    await peer.ok(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    expect(await peer.ok(PHARMACY, 'SetDisposition', hold(LOT))).toMatchObject({ seq: 1 });
    // The carrier handed the pallet over but held it before: it may still raise a hold on what it carried.
    expect(await peer.ok(CARRIER, 'SetDisposition', hold(PACK))).toMatchObject({ seq: 1 });
  });

  it('stays open to any org for a lot no shipment on this ledger carries', async () => {
    const peer = await handedOver();
    expect(await peer.ok(OUTSIDER, 'SetDisposition', hold({ gtin: GTIN, lot: 'NOT-SHIPPED' }))).toMatchObject(
      {
        disposition: 'quarantined',
      },
    );
  });
});
