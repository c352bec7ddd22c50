import { describe, expect, it } from 'vitest';
import {
  at,
  CARRIER,
  CASE1,
  carrierPeer,
  DC,
  GTIN,
  GTIN2,
  INNER,
  lotLine,
  OWNER,
  offer,
  PALLET,
  PHARMACY,
  SHOP,
  SHOP_GLN,
} from './custody.test-kit.js';
import type { MemoryPeer } from './test-harness.js';

// Receipts on accept, dispense events with ListDispenses' bookmarks, and the lot/SGTIN traces (issue 8).
const agg = (children: object[], location = DC) => JSON.stringify({ children, location });
const dispense = (quantity: number, time: string, extra: object = {}) =>
  JSON.stringify({ gtin: GTIN, lot: 'L-24A', quantity, location: SHOP, time, ...extra });

interface Page {
  records: { time: string; quantity: number; org: string }[];
  bookmark: string;
}

/** Pallet with a declared lot line, a case inside holding two packs and a lot quantity, delivered to the shop. */
async function delivered(): Promise<MemoryPeer> {
  const peer = await carrierPeer([lotLine('L-24A', 100)]);
  await peer.ok(CARRIER, 'Aggregate', INNER, agg([{ gtin: GTIN2, serial: 'P-1' }]));
  await peer.ok(
    CARRIER,
    'Aggregate',
    CASE1,
    agg([{ sscc: INNER }, { gtin: GTIN2, serial: 'P-2' }, { gtin: GTIN2, lot: 'B7', quantity: 12 }]),
  );
  await peer.ok(CARRIER, 'Aggregate', PALLET, agg([{ sscc: CASE1 }]));
  await peer.ok(CARRIER, 'OfferCustody', PALLET, offer(PHARMACY, SHOP));
  return peer;
}

describe('receipts', () => {
  it('records every line the pallet carries at the accepting site, keyed by product x site x day', async () => {
    const peer = await delivered();
    const r = await peer.invoke(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    const { receipts } = r.value as { receipts: Record<string, unknown>[] };
    const common = { sscc: PALLET, location: SHOP, site: SHOP_GLN, org: PHARMACY, day: '2025-03-01' };
    expect(receipts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ...common, gtin: GTIN, lot: 'L-24A', expiry: '2027-06-30', quantity: 100 }),
        expect.objectContaining({ ...common, gtin: GTIN2, serial: 'P-1', quantity: 1 }),
        expect.objectContaining({ ...common, gtin: GTIN2, serial: 'P-2', quantity: 1 }),
        expect.objectContaining({ ...common, gtin: GTIN2, lot: 'B7', quantity: 12 }),
      ]),
    );
    expect(receipts).toHaveLength(4);
    const byProduct = r.writes.filter((k) =>
      k.startsWith(`\u0000receipt\u0000${GTIN2}\u0000${SHOP_GLN}\u00002025-03-01\u0000`),
    );
    expect(byProduct).toHaveLength(3);
    // Forecasting reads them per product x site, a page at a time (GLN-13 and SGLN name the same site).
    const first = (await peer.ok(OWNER, 'ListReceipts', GTIN2, SHOP_GLN, '2', '')) as Page;
    expect(first.records).toHaveLength(2);
    expect(first.bookmark).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = (await peer.ok(OWNER, 'ListReceipts', GTIN2, SHOP, '2', first.bookmark)) as Page;
    expect(second.records).toHaveLength(1);
    expect(second.bookmark).toBe('');
    const serials = [...first.records, ...second.records].map(
      (x) => (x as { serial?: string; lot?: string }).serial ?? (x as { lot?: string }).lot,
    );
    expect(serials.sort()).toEqual(['B7', 'P-1', 'P-2']);
    expect(await peer.ok(OWNER, 'ListReceipts', GTIN2, DC, '2', '')).toMatchObject({
      records: [],
      bookmark: '',
    });
  });
});

describe('dispenses', () => {
  it('lets only the org that last received the lot at the site record a dispense', async () => {
    const peer = await delivered();
    expect(await peer.refused(PHARMACY, 'RecordDispense', dispense(2, '2025-03-01T08:00:00.000Z'))).toMatch(
      /^FORBIDDEN: PharmacyMSP has received no lot 07612345000015\/L-24A at 7612345000206/,
    );
    await peer.ok(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    expect(await peer.refused(CARRIER, 'RecordDispense', dispense(2, '2025-03-01T08:00:00.000Z'))).toMatch(
      /^FORBIDDEN: lot 07612345000015\/L-24A at 7612345000206 was last received by PharmacyMSP/,
    );
    expect(
      await peer.refused(
        PHARMACY,
        'RecordDispense',
        dispense(2, '2025-03-01T08:00:00.000Z', { location: DC }),
      ),
    ).toMatch(/^FORBIDDEN/);
    const d = await peer.invoke(
      PHARMACY,
      'RecordDispense',
      dispense(2, '2025-03-01T08:00:00.000Z', { location: SHOP_GLN }),
    );
    expect(d.status).toBe(200);
    expect(d.event?.name).toBe('DispenseRecorded');
    expect(d.value).toMatchObject({ gtin: GTIN, lot: 'L-24A', quantity: 2, site: SHOP_GLN, org: PHARMACY });
    expect(await peer.refused(PHARMACY, 'RecordDispense', dispense(0, '2025-03-01T08:00:00.000Z'))).toMatch(
      /quantity must be an integer >= 1/,
    );
    expect(await peer.refused(PHARMACY, 'RecordDispense', dispense(1, '2031-01-01T00:00:00.000Z'))).toMatch(
      /^INVALID_INPUT: dispense.time .* is after the transaction time/,
    );
    expect(await peer.refused(PHARMACY, 'RecordDispense', dispense(1, '2025-03-01'))).toMatch(
      /dispense.time must be a UTC ISO-8601/,
    );
  });

  it('walks a long list with bookmarks, each record exactly once, in time order and within the range', async () => {
    const peer = await delivered();
    await peer.ok(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    const base = Date.parse('2025-02-01T00:00:00.000Z');
    // 23 dispenses recorded out of time order (i * 7 mod 23 is a permutation), quantity = minute + 1.
    for (let i = 0; i < 23; i++) {
      const minute = (i * 7) % 23;
      await peer.ok(
        PHARMACY,
        'RecordDispense',
        dispense(minute + 1, new Date(base + minute * 60_000).toISOString()),
      );
    }
    const walk = async (from: string, to: string, pageSize: number) => {
      const seen: number[] = [];
      let bookmark = '';
      let pages = 0;
      do {
        const page = (await peer.ok(
          OWNER,
          'ListDispenses',
          GTIN,
          from,
          to,
          String(pageSize),
          bookmark,
        )) as Page;
        expect(page.records.length).toBeLessThanOrEqual(pageSize);
        expect(page.bookmark).toMatch(/^[A-Za-z0-9_-]*$/);
        seen.push(...page.records.map((r) => r.quantity - 1));
        bookmark = page.bookmark;
        pages++;
        expect(pages).toBeLessThan(30);
      } while (bookmark !== '');
      return { seen, pages };
    };
    const all = await walk('', '', 5);
    expect(all.seen).toEqual([...Array(23).keys()]);
    expect(all.pages).toBe(5);
    const iso = (m: number) => new Date(base + m * 60_000).toISOString();
    expect((await walk(iso(4), iso(17), 3)).seen).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect((await walk(iso(30), '', 4)).seen).toEqual([]);
    expect(await peer.refused(OWNER, 'ListDispenses', GTIN, '', '', '0', '')).toMatch(/pageSize/);
    expect(await peer.refused(OWNER, 'ListDispenses', GTIN, 'yesterday', '', '5', '')).toMatch(
      /fromIso must be/,
    );
  });
});

describe('lot and SGTIN traces', () => {
  it('finds a pack through case and pallet, with custody and receipts, also after unpacking', async () => {
    const peer = await delivered();
    await peer.ok(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    await peer.ok(PHARMACY, 'Disaggregate', PALLET, agg([{ sscc: CASE1 }], SHOP));
    const t = (await peer.ok(OWNER, 'QuerySgtin', GTIN2, 'P-1')) as {
      shipments: {
        sscc: string;
        path: string[];
        custody: { action: string }[];
        shipment: { custodian: string };
      }[];
      aggregation: { parent: string; action: string }[];
      receipts: { serial: string; site: string }[];
    };
    expect(t.shipments).toHaveLength(1);
    expect(t.shipments[0]).toMatchObject({
      sscc: PALLET,
      path: [INNER, CASE1, PALLET],
      shipment: { custodian: PHARMACY },
    });
    expect(t.shipments[0]?.custody.map((c) => c.action)).toEqual(['created', 'offered', 'accepted']);
    expect(t.aggregation.map((m) => `${m.parent} ${m.action}`)).toEqual([
      `${INNER} aggregated`,
      `${CASE1} aggregated`,
      `${PALLET} aggregated`,
      `${PALLET} disaggregated`,
    ]);
    expect(t.receipts).toMatchObject([{ serial: 'P-1', site: SHOP_GLN }]);
    const none = (await peer.ok(OWNER, 'QuerySgtin', GTIN2, 'P-404')) as { shipments: unknown[] };
    expect(none.shipments).toEqual([]);
  });

  it('finds a lot declared on a pallet and a lot packed in a case, with receipts and dispenses', async () => {
    const peer = await delivered();
    await peer.ok(PHARMACY, 'AcceptCustody', PALLET, at(SHOP));
    await peer.ok(PHARMACY, 'RecordDispense', dispense(3, '2025-03-01T08:00:00.000Z'));
    const declared = (await peer.ok(OWNER, 'QueryLot', GTIN, 'L-24A')) as Record<string, unknown[]>;
    expect(declared.shipments).toMatchObject([{ sscc: PALLET, path: [PALLET] }]);
    expect(declared.receipts).toMatchObject([{ lot: 'L-24A', quantity: 100, org: PHARMACY }]);
    expect(declared.dispenses).toMatchObject([{ lot: 'L-24A', quantity: 3, org: PHARMACY }]);
    const packed = (await peer.ok(OWNER, 'QueryLot', GTIN2, 'B7')) as Record<string, unknown[]>;
    expect(packed.shipments).toMatchObject([{ sscc: PALLET, path: [CASE1, PALLET] }]);
    expect(packed.receipts).toMatchObject([{ lot: 'B7', quantity: 12 }]);
    expect(await peer.refused(OWNER, 'QueryLot', '07612345000016', 'B7')).toMatch(
      /^INVALID_INPUT: gtin .* wrong GS1 check digit/,
    );
  });
});
