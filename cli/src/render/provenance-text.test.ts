import type { ProvenanceReport } from '@coldtrail/ledger-sync';
import { describe, expect, it } from 'vitest';
import { demoJson, renderProvenance } from './provenance-text.js';

const report = (over: Partial<ProvenanceReport> = {}): ProvenanceReport =>
  ({
    sscc: '106141411234567897',
    shipment: {
      sscc: '106141411234567897',
      device: 'probe-0001',
      custodian: 'OrgMSP',
      origin: 'A',
      destination: 'B',
      product: 'Vaccine X',
      profile: { id: 'p', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
      fromSeq: 1,
      toSeq: null,
      status: 'in-transit',
      createdAt: '2026-01-01T00:00:00.000Z',
      completedAt: null,
    },
    device: {
      id: 'probe-0001',
      org: 'OrgMSP',
      publicKey: 'ab'.repeat(32),
      registeredAt: '2026-01-01T00:00:00.000Z',
    },
    custody: [],
    range: { fromSeq: 1, toSeq: 10, complete: false },
    readings: {
      count: 8,
      temperature: 4,
      humidity: 4,
      faults: 1,
      firstTs: '2026-01-01T00:00:00.000Z',
      lastTs: '2026-01-01T00:04:00.000Z',
      minTemperatureC: 4,
      maxTemperatureC: 9,
    },
    excursions: [
      {
        id: 'x',
        recorded: false,
        derived: true,
        rule: 'single-event',
        direction: 'above',
        limitC: 8,
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-01-01T00:31:00.000Z',
        durationMinutes: 31.016,
        maxValue: 9,
      },
    ],
    anchors: [],
    verification: {
      ok: false,
      checks: [
        { name: 'signatures', ok: true, detail: '2 batch headers verify' },
        { name: 'hash-chain', ok: false, detail: 'probe-0001#3: hash does not match' },
      ],
    },
    limits: ['the ledger tip is not attested'],
    ...over,
  }) as ProvenanceReport;

describe('provenance rendering', () => {
  it('says when excursions are computed, not yet recorded, and which check failed', () => {
    const text = renderProvenance(report());
    expect(text).toContain('in-transit, readings so far');
    expect(text).toContain('31.0 min, extreme 9 °C  (from the readings so far; not recorded yet)');
    expect(text).toContain('1 fault record\n');
    expect(text).toContain('Verification FAILED');
    expect(text).toMatch(/FAIL {2}hash-chain {2}probe-0001#3/);
    expect(text).toContain('Cannot be proven by this node alone\n  - the ledger tip is not attested\n');
  });

  it('marks an excursion the readings show but the ledger lacks, one only the ledger has, and a closing reason', () => {
    const base = report();
    const [e] = base.excursions;
    const text = renderProvenance(
      report({
        range: { fromSeq: 1, toSeq: 10, complete: true },
        excursions: [e!, { ...e!, id: 'y', recorded: true, derived: false }],
        custody: [
          {
            sscc: base.sscc,
            action: 'completed',
            org: 'OrgMSP',
            at: '2026-01-01T01:00:00.000Z',
            txId: 'ab'.repeat(32),
            reason: 'agent died',
          },
        ],
      }),
    );
    expect(text).toContain('extreme 9 °C  (NOT recorded on the ledger)');
    expect(text).toContain('extreme 9 °C  (on the ledger, but NOT in the readings)');
    expect(text).toContain('reason: agent died');
  });

  it('renders the custody hand-over steps with the other org and the site', () => {
    const base = report();
    const step = { sscc: base.sscc, at: '2026-01-01T02:00:00.000Z', txId: 'cd'.repeat(32) };
    const shop = 'urn:epc:id:sgln:7612345.00020.0';
    const text = renderProvenance(
      report({
        custody: [
          {
            ...step,
            action: 'offered',
            org: 'CarrierMSP',
            to: 'PharmacyMSP',
            location: shop,
            eventTime: null,
          },
          {
            ...step,
            action: 'rejected',
            org: 'PharmacyMSP',
            from: 'CarrierMSP',
            location: shop,
            reason: 'seal broken',
          },
          { ...step, action: 'withdrawn', org: 'CarrierMSP', to: 'PharmacyMSP', reason: null },
          {
            ...step,
            action: 'accepted',
            org: 'PharmacyMSP',
            from: 'CarrierMSP',
            location: shop,
            eventTime: '2026-01-01T01:59:00.000Z',
          },
        ],
      }),
    );
    expect(text).toContain(`offered    CarrierMSP to PharmacyMSP at ${shop}  tx cdcdcdcdcdcd`);
    expect(text).toContain(
      `rejected   PharmacyMSP from CarrierMSP at ${shop}  tx cdcdcdcdcdcd  reason: seal broken`,
    );
    expect(text).toContain('withdrawn  CarrierMSP (offer to PharmacyMSP)  tx cdcdcdcdcdcd\n');
    expect(text).toContain(
      `accepted   PharmacyMSP from CarrierMSP at ${shop}  tx cdcdcdcdcdcd  declared 2026-01-01 01:59Z`,
    );
  });

  it('puts the issue fields first in the demo JSON', () => {
    const j = demoJson(report(), { dataDir: '/d' });
    expect(Object.keys(j).slice(0, 5)).toEqual(['shipment', 'readings', 'faults', 'excursions', 'verified']);
    expect(j.verified.ok).toBe(false);
  });
});
