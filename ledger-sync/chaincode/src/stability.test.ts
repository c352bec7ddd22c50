import { beforeEach, describe, expect, it } from 'vitest';
import { CARRIER, GTIN, LOT, OWNER, PHARMA, SSCC } from './quality-fixtures.test-kit.js';
import { roleCaller } from './test-certificates.test-kit.js';
import { MemoryPeer } from './test-harness.js';

// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const SSCC2 = '037612345000000021';
const quality = await roleCaller(PHARMA, 'qa.lead', 'quality');
const rivalQuality = await roleCaller(OWNER, 'qa.other', 'quality');

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
});

const budget = (allowedMinutes = 7200) =>
  JSON.stringify({ gtin: GTIN, lowerC: 8, upperC: 25, allowedMinutes });
const consume = (minutes: number, id: string, type = 'shipment', subject: object = LOT) =>
  JSON.stringify({ subject, minutes, source: { type, id } });
const status = async (subject: object = LOT) =>
  (await peer.ok(CARRIER, 'GetStabilityBudget', JSON.stringify(subject))) as Record<string, unknown>;

describe('stability budget', () => {
  it('is defined only by a quality user, versioned, and only by the org that defined it first', async () => {
    expect(await peer.refused(OWNER, 'DefineStabilityBudget', budget())).toMatch(
      /^FORBIDDEN: defining the stability budget of GTIN 07612345678900 needs a certificate with attribute coldtrail\.role=quality/,
    );
    const v1 = await peer.invoke(quality, 'DefineStabilityBudget', budget());
    expect(v1.value).toMatchObject({ gtin: GTIN, version: 1, lowerC: 8, upperC: 25, allowedMinutes: 7200 });
    expect(v1.event?.name).toBe('StabilityBudgetDefined');
    // The same definition again is a retry, not a version.
    expect((await peer.invoke(quality, 'DefineStabilityBudget', budget())).writes).toEqual([]);
    expect(await peer.ok(quality, 'DefineStabilityBudget', budget(6000))).toMatchObject({ version: 2 });
    expect(await peer.refused(rivalQuality, 'DefineStabilityBudget', budget(9000))).toMatch(
      /^FORBIDDEN: the stability budget of GTIN .* is defined by PharmaOrgMSP/,
    );
    expect(await status()).toMatchObject({ allowedMinutes: 6000, budget: { version: 2 } });
    expect(
      await peer.refused(
        quality,
        'DefineStabilityBudget',
        JSON.stringify({ gtin: GTIN, lowerC: 25, upperC: 8, allowedMinutes: 1 }),
      ),
    ).toMatch(/lowerC must be below upperC/);
  });

  it('sums consumption across shipments, excursions and orgs; a retry counts once', async () => {
    await peer.ok(quality, 'DefineStabilityBudget', budget(7200));
    await peer.ok(CARRIER, 'ConsumeStabilityBudget', consume(90, SSCC));
    const retry = await peer.invoke(CARRIER, 'ConsumeStabilityBudget', consume(90, SSCC));
    expect(retry.status).toBe(200);
    expect(retry.writes).toEqual([]);
    await peer.ok(OWNER, 'ConsumeStabilityBudget', consume(30.5, SSCC2));
    await peer.ok(
      OWNER,
      'ConsumeStabilityBudget',
      consume(12, `${SSCC2}:single-event:above:1740816000000`, 'excursion'),
    );
    expect(await status()).toMatchObject({
      allowedMinutes: 7200,
      consumedMinutes: 132.5,
      remainingMinutes: 7067.5,
      exceeded: false,
      consumptions: 3,
    });
    expect(await peer.refused(OWNER, 'ConsumeStabilityBudget', consume(91, SSCC))).toMatch(
      /^CONFLICT: shipment 037612345000000014 already consumed 90 min/,
    );
    // Another lot of the same product has its own account.
    expect(await status({ gtin: GTIN, lot: 'L2025-02' })).toMatchObject({
      consumedMinutes: 0,
      remainingMinutes: 7200,
    });
  });

  it('writes one key per consumption (no running total) and reports an exceeded budget', async () => {
    await peer.ok(quality, 'DefineStabilityBudget', budget(100));
    const a = await peer.invoke(CARRIER, 'ConsumeStabilityBudget', consume(60, SSCC));
    const b = await peer.invoke(OWNER, 'ConsumeStabilityBudget', consume(60, SSCC2));
    expect(a.writes).toHaveLength(1);
    expect(b.writes).toHaveLength(1);
    expect(a.writes[0]).not.toBe(b.writes[0]);
    expect(await status()).toMatchObject({ consumedMinutes: 120, remainingMinutes: -20, exceeded: true });
  });

  it('records consumption before a budget exists, with budgetVersion null', async () => {
    expect(await peer.ok(CARRIER, 'ConsumeStabilityBudget', consume(10, SSCC))).toMatchObject({
      budgetVersion: null,
    });
    expect(await status()).toMatchObject({
      budget: null,
      allowedMinutes: null,
      remainingMinutes: null,
      consumedMinutes: 10,
    });
  });

  it('accounts an SSCC per product and validates subjects, minutes and sources', async () => {
    const onSscc = { sscc: SSCC, gtin: GTIN };
    await peer.ok(CARRIER, 'ConsumeStabilityBudget', consume(5, SSCC, 'shipment', onSscc));
    expect(await status(onSscc)).toMatchObject({ consumedMinutes: 5 });
    expect(await peer.refused(CARRIER, 'GetStabilityBudget', JSON.stringify({ sscc: SSCC }))).toMatch(
      /must name the product it holds/,
    );
    expect(await peer.refused(CARRIER, 'ConsumeStabilityBudget', consume(0, SSCC))).toMatch(
      /minutes must be > 0/,
    );
    expect(await peer.refused(CARRIER, 'ConsumeStabilityBudget', consume(5, 'not-an-sscc'))).toMatch(/sscc/);
    expect(await peer.refused(CARRIER, 'ConsumeStabilityBudget', consume(5, SSCC, 'rumour'))).toMatch(
      /source\.type must be one of shipment, excursion/,
    );
  });
});
