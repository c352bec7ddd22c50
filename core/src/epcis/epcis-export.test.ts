import { describe, expect, it } from 'vitest';
import { officialValidator } from '../../../test/epcis/official-schema.js';
import type { CustodyEvent, ShipmentEntry } from '../ledger-entries.js';
import type { DispositionStep } from '../ledger-quality.js';
import { CBV_BIZ_STEPS, CBV_DISPOSITIONS, CBV_SENSOR_ALERTS, CBV_SENSOR_MEASURES } from './cbv.js';
import { checkEpcisDocument } from './epcis-document-check.js';
import { type EpcisExportInput, type EpcisReading, epcisEventId, toEpcisDocument } from './epcis-export.js';

const official = officialValidator();
const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

const shipment: ShipmentEntry = {
  sscc: '106141411234567897',
  device: 'logger-1',
  custodian: 'CarrierMSP',
  origin: 'urn:epc:id:sgln:0614141.00001.0',
  destination: 'urn:epc:id:sgln:0614141.00002.0',
  product: 'vaccine',
  profile: { id: '2-8c', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
  fromSeq: 1,
  toSeq: 4320,
  status: 'completed',
  createdAt: at(0),
  completedAt: at(3 * 24 * 60),
  contents: [
    { gtin: '00614141123452', serial: 'A1' },
    { gtin: '00614141123452', lot: 'L42', expiry: '2027-12-31', quantity: 120 },
  ],
};
const ev = (
  action: CustodyEvent['action'],
  min: number,
  extra: Partial<CustodyEvent> = {},
): CustodyEvent => ({
  sscc: shipment.sscc,
  action,
  org: 'MakerMSP',
  at: at(min),
  txId: `tx-${action}`,
  ...extra,
});
const custody = [
  ev('created', 0),
  ev('offered', 60, { to: 'CarrierMSP', location: 'urn:epc:id:sgln:0614141.00001.0', eventTime: at(59) }),
  ev('accepted', 70, { org: 'CarrierMSP', from: 'MakerMSP', location: 'urn:epc:id:sgln:0614141.00001.0' }),
  ev('completed', 3 * 24 * 60, { org: 'CarrierMSP' }),
];
// Three days, two probes and a humidity sensor at one reading every 10 minutes, with a warm spell on day 2.
const readings: EpcisReading[] = [];
for (let m = 0; m < 3 * 24 * 60; m += 10) {
  const warm = m >= 1800 && m < 1900;
  readings.push({ sensor: 't1', kind: 'temperature', ts: at(m), value: warm ? 9.5 : 5, unit: 'C' });
  readings.push({ sensor: 't2', kind: 'temperature', ts: at(m), value: 5.2, unit: 'C' });
  readings.push({ sensor: 'h1', kind: 'humidity', ts: at(m), value: 55, unit: '%RH' });
}
const step: DispositionStep = {
  subject: { gtin: '00614141123452', lot: 'L42' },
  seq: 1,
  action: 'quarantine',
  disposition: 'quarantined',
  cbvDisposition: 'non_sellable_other',
  previous: null,
  reason: 'excursion above 8 °C',
  signer: 'Q. Person',
  caller: { msp: 'MakerMSP', id: 'x509::q', cn: 'q' },
  at: at(1950),
  txId: 'tx-q',
};
const input: EpcisExportInput = {
  shipment,
  device: { id: 'logger-1' },
  custody,
  readings,
  excursions: [
    {
      id: 'x1',
      direction: 'above',
      limitC: 8,
      start: at(1800),
      end: at(1900),
      maxValue: 9.5,
      sensor: 't1',
      measure: 'temperature',
    },
  ],
  dispositions: [step],
  profileUri: 'https://coldtrail.dev/profiles/2-8c/v1',
};
const opts = { creationDate: '2026-03-04T09:00:00.000Z' };

// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary JSON
type Ev = Record<string, any>;
const events = (doc: { epcisBody: { eventList: Ev[] } }) => doc.epcisBody.eventList;

describe('toEpcisDocument', () => {
  const doc = toEpcisDocument(input, opts);

  it('validates against the official EPCIS 2.0 schema (formats on) and our own check', () => {
    expect(official(doc)).toEqual([]);
    expect(checkEpcisDocument(doc)).toMatchObject({ ok: true });
  });

  it('uses only CBV 2.0 values', () => {
    const reports = events(doc).flatMap((e) =>
      (e.sensorElementList ?? []).flatMap((s: Ev) => s.sensorReport),
    );
    const types = new Set<string>(Object.values(CBV_SENSOR_MEASURES).map((m) => m.type));
    const alerts = new Set<string>(Object.values(CBV_SENSOR_ALERTS));
    for (const e of events(doc)) {
      expect(CBV_BIZ_STEPS).toContain(e.bizStep);
      if (e.disposition !== undefined) expect(CBV_DISPOSITIONS).toContain(e.disposition);
    }
    for (const r of reports) {
      expect(types.has(r.type)).toBe(true);
      if (r.exception !== undefined) expect(alerts.has(r.exception)).toBe(true);
    }
    expect(reports.some((r) => r.exception === 'ALARM_CONDITION' && r.maxValue === 9.5)).toBe(true);
    expect(reports.some((r) => r.type === 'RelativeHumidity' && r.value === 55)).toBe(true);
  });

  it('keeps every reading, in a sane number of events', () => {
    const reported = events(doc)
      .filter((e) => e.bizStep === 'sensor_reporting')
      .flatMap((e) =>
        e.sensorElementList.flatMap((s: Ev) => s.sensorReport.filter((r: Ev) => r.value !== undefined)),
      );
    expect(reported).toHaveLength(readings.length);
    expect(events(doc).filter((e) => e.bizStep === 'sensor_reporting').length).toBe(13 + 1); // 6 h windows on the UTC clock: 08:00 day 1 to 08:00 day 4 touches 13, plus the alarm
  });

  it('maps custody to commissioning, shipping, receiving and arriving with parties and places', () => {
    const steps = events(doc)
      .filter((e) => e.bizStep !== 'sensor_reporting')
      .map((e) => e.bizStep);
    expect(steps).toEqual(['commissioning', 'shipping', 'receiving', 'holding', 'arriving']);
    const shipping = events(doc).find((e) => e.bizStep === 'shipping') as Ev;
    expect(shipping.sourceList).toEqual([{ type: 'owning_party', source: 'urn:coldtrail:org:MakerMSP' }]);
    expect(shipping.destinationList).toEqual([
      { type: 'owning_party', destination: 'urn:coldtrail:org:CarrierMSP' },
    ]);
    expect(shipping.eventTime).toBe(at(59));
    expect(shipping.epcList).toEqual([
      'urn:epc:id:sscc:0614141.1123456789',
      'urn:epc:id:sgtin:0614141.012345.A1',
    ]);
    expect(shipping.quantityList).toEqual([
      { epcClass: 'urn:epc:class:lgtin:0614141.012345.L42', quantity: 120 },
    ]);
    const holding = events(doc).find((e) => e.bizStep === 'holding') as Ev;
    expect(holding.disposition).toBe('non_sellable_other');
  });

  it('cites the profile as bizRules, and leaves it out without one', () => {
    const meta = events(doc).find((e) => e.sensorElementList)?.sensorElementList[0].sensorMetadata;
    expect(meta.bizRules).toBe(input.profileUri);
    const { profileUri: _u, ...rest } = input;
    expect(JSON.stringify(toEpcisDocument(rest, opts))).not.toContain('bizRules');
  });

  it('gives deterministic content-addressed event ids', () => {
    expect(toEpcisDocument(input, opts)).toEqual(doc);
    for (const e of events(doc)) expect(e.eventID).toBe(epcisEventId(e));
    expect(new Set(events(doc).map((e) => e.eventID)).size).toBe(events(doc).length);
    expect(events(doc)[0]?.eventID).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
  });
});
