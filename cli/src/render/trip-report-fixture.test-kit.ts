/** Test-only: a provenance report under a versioned 2-8 °C profile, with custody, one excursion and MKT. */
import type { ProvenanceReport } from '@coldtrail/ledger-sync';
import type { TripSeries } from './trip-report-html.js';

export const T0 = Date.parse('2026-03-02T06:00:00.000Z');
const MIN = 60_000;
export const iso = (minute: number) => new Date(T0 + minute * MIN).toISOString();

/** Minute readings of one probe for `minutes`; 9.4 °C from minute 60 to 119, 5 °C otherwise. */
export function minuteSeries(minutes: number, sensor = 'probe-1'): TripSeries {
  const points = Array.from({ length: minutes }, (_, m) => ({
    t: T0 + m * MIN,
    value: m >= 60 && m < 120 ? 9.4 : 5 + Math.sin(m / 50) * 0.6,
  }));
  return { sensor, kind: 'temperature', points };
}

export function tripReport(over: { org?: string; sensor?: string; ok?: boolean } = {}): ProvenanceReport {
  const org = over.org ?? 'PharmaCoMSP';
  const sensor = over.sensor ?? 'probe-1';
  const rules = {
    uri: 'https://coldtrail.dev/profiles/2-8c/v1',
    id: '2-8C',
    version: 1,
    title: 'Refrigerated medicines, 2-8 °C',
    samplePeriodSeconds: 60,
    mkt: { windowHours: 24, limitC: 8 },
    zones: [
      {
        id: 'high',
        measure: 'temperature' as const,
        direction: 'above' as const,
        limit: 8,
        inclusive: false,
        alarms: [{ kind: 'single-event' as const, delayMinutes: 30 }],
      },
      {
        id: 'low',
        measure: 'temperature' as const,
        direction: 'below' as const,
        limit: 2,
        inclusive: false,
        alarms: [{ kind: 'single-event' as const, delayMinutes: 30 }],
      },
    ],
  };
  return {
    sscc: '106141411234567897',
    shipment: {
      sscc: '106141411234567897',
      device: 'logger-7',
      custodian: 'DistriCoMSP',
      origin: 'Basel DC',
      destination: 'Zurich pharmacy',
      product: 'Vaccine X 10 x 0.5 ml',
      profile: { id: '2-8C', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
      profileSpec: rules,
      contents: [{ gtin: '09506000134352', lot: 'LOT-42', expiry: '2027-06-30', quantity: 200 }],
      fromSeq: 1,
      toSeq: 240,
      status: 'completed',
      createdAt: iso(-5),
      completedAt: iso(245),
    },
    device: { id: 'logger-7', org, publicKey: 'ab'.repeat(32), registeredAt: iso(-60) },
    custody: [
      { sscc: '106141411234567897', action: 'created', org, at: iso(-5), txId: 'a1'.repeat(32) },
      {
        sscc: '106141411234567897',
        action: 'offered',
        org,
        to: 'DistriCoMSP',
        location: 'urn:epc:id:sgln:0614141.00001.0',
        at: iso(130),
        eventTime: iso(129),
        txId: 'b2'.repeat(32),
      },
      {
        sscc: '106141411234567897',
        action: 'accepted',
        org: 'DistriCoMSP',
        from: org,
        location: 'urn:epc:id:sgln:0614141.00002.0',
        at: iso(140),
        eventTime: null,
        txId: 'c3'.repeat(32),
      },
      {
        sscc: '106141411234567897',
        action: 'completed',
        org: 'DistriCoMSP',
        at: iso(245),
        txId: 'd4'.repeat(32),
      },
    ],
    range: { fromSeq: 1, toSeq: 240, complete: true },
    readings: {
      count: 240,
      temperature: 240,
      humidity: 0,
      faults: 0,
      other: {},
      firstTs: iso(0),
      lastTs: iso(239),
      minTemperatureC: 4.4,
      maxTemperatureC: 9.4,
    },
    excursions: [
      {
        id: `106141411234567897:${sensor}:high:single-event:${T0 + 60 * MIN}`,
        recorded: true,
        derived: true,
        rule: 'single-event',
        direction: 'above',
        limitC: 8,
        start: iso(60),
        end: iso(120),
        durationMinutes: 60,
        maxValue: 9.4,
        sensor,
        measure: 'temperature',
        zone: 'high',
        inclusive: false,
        triggeredAt: iso(90),
        gapMinutes: 0,
      },
    ],
    rules,
    mkt: {
      deltaHOverR: 10_000,
      windowHours: 24,
      limitC: 8,
      exceeded: false,
      sensors: [{ sensor, overallC: 5.71, samples: 240, windows: [] }],
    },
    anchors: [],
    verification: {
      ok: over.ok ?? true,
      checks: [
        { name: 'signatures', ok: true, detail: '6 batch signatures verify with logger-7’s key' },
        over.ok === false
          ? {
              name: 'hash-chain',
              ok: false,
              detail: 'logger-7#17: hash does not match',
              problems: ['logger-7#17'],
            }
          : { name: 'hash-chain', ok: true, detail: '240 records chain to the signed heads' },
        { name: 'tip', ok: true, skipped: true, detail: 'no --expect-tip given' },
      ],
    },
    limits: ['single-node ledger: its tip is not attested elsewhere'],
  };
}
