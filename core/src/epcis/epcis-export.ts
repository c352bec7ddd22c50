import { canonicalJson } from '../canonical.js';
import { lgtinUrn, sgtinUrn, ssccUrn } from '../gs1-epc-uri.js';
import { sha256Hex } from '../hash.js';
import type { LotItem, SgtinItem, ShipmentItem } from '../ledger-custody.js';
import type { CustodyEvent, DeviceEntry, ShipmentEntry } from '../ledger-entries.js';
import type { DispositionAction, DispositionStep, QualitySubject } from '../ledger-quality.js';
import { CBV_SENSOR_ALERTS, CBV_SENSOR_MEASURES, type CbvBizStep, type CbvDispositionValue } from './cbv.js';

/** The official EPCIS 2.0 JSON-LD context (EPCIS 2.0 §9.1); documents cite it, never inline it. */
export const EPCIS_CONTEXT_URI = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';

/** One stored reading of the shipment (temperature in °C, humidity in %RH); other kinds are ignored. */
export interface EpcisReading {
  sensor: string;
  kind: string;
  ts: string;
  value: number;
  unit?: string;
}

/** An excursion as provenance reports it (ledger-sync ExcursionSummary fits). */
export interface EpcisExcursion {
  id: string;
  direction: 'above' | 'below';
  limitC: number;
  start: string;
  end: string;
  maxValue: number;
  sensor?: string;
  measure?: 'temperature' | 'humidity' | 'door';
}

export interface EpcisExportInput {
  shipment: ShipmentEntry;
  device: Pick<DeviceEntry, 'id'>;
  custody: CustodyEvent[];
  excursions: EpcisExcursion[];
  readings: EpcisReading[];
  dispositions?: DispositionStep[];
  /** The URI of the rules the shipment is judged by (profile `uri`); cited as `bizRules` when given. */
  profileUri?: string;
}

export interface EpcisExportOptions {
  /** The document's creationDate (ISO 8601); a parameter so the export stays pure and repeatable. */
  creationDate: string;
  /** Readings are grouped into one sensor_reporting event per window of this length; default 6 h. */
  windowMs?: number;
  /** GS1 company prefix length for EPC URIs (TDS §6); default 7. */
  companyPrefixLength?: number;
}

export type EpcisEvent = Record<string, unknown> & { eventID: string; eventTime: string; type: string };
type Unidentified = Record<string, unknown> & { eventTime: string; type: string };
export interface EpcisDocument {
  '@context': string[];
  type: 'EPCISDocument';
  schemaVersion: '2.0';
  creationDate: string;
  epcisBody: { eventList: EpcisEvent[] };
}

const DEFAULT_WINDOW_MS = 6 * 3_600_000;

/**
 * The shipment's provenance as an EPCIS 2.0 JSON-LD document: custody steps as ObjectEvents with CBV 2.0
 * bizSteps and dispositions, readings as sensor_reporting events (one per window, every reading kept as a
 * sensorReport), excursions as ALARM_CONDITION sensor reports, disposition steps with their CBV disposition.
 * Every event's eventID is `epcisEventId(event)`. Pure: the same input and options give the same bytes.
 */
export function toEpcisDocument(input: EpcisExportInput, opts: EpcisExportOptions): EpcisDocument {
  const n = opts.companyPrefixLength;
  const what = objects(input.shipment, n);
  const device = `urn:coldtrail:device:${encodeURIComponent(input.device.id)}`;
  const events: Unidentified[] = [
    ...input.custody.flatMap((c) => custodyEvent(c, input.shipment, what)),
    ...readingEvents(input, what, device, opts.windowMs ?? DEFAULT_WINDOW_MS),
    ...input.excursions.map((e) => excursionEvent(e, what, device, input.profileUri)),
    ...(input.dispositions ?? []).map((d) => dispositionEvent(d, n)),
  ];
  events.sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));
  return {
    '@context': [EPCIS_CONTEXT_URI],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: opts.creationDate,
    epcisBody: { eventList: events.map(withEventId) },
  };
}

/**
 * `ni:///sha-256;<hex>?ver=CBV2.0` (RFC 6920 named information, the form EPCIS 2.0 §8.9 uses) over the RFC 8785
 * canonical JSON of the event without `eventID`, `recordTime` and `@context`. NOTE: this is coldtrail's
 * canonical-JSON hash, not the §8.9.2 pre-hash string algorithm; it is deterministic and content-addressed,
 * which is what import de-duplication needs, but another implementation's §8.9.2 hash will differ.
 */
export function epcisEventId(event: Record<string, unknown>): string {
  const { eventID: _id, recordTime: _rt, '@context': _ctx, ...content } = event;
  return `ni:///sha-256;${sha256Hex(canonicalJson(content))}?ver=CBV2.0`;
}

function withEventId(e: Unidentified): EpcisEvent {
  return { eventID: epcisEventId(e), ...e } as EpcisEvent;
}

interface What {
  epcList: string[];
  quantityList?: { epcClass: string; quantity?: number }[];
}

function objects(s: ShipmentEntry, n: number | undefined): What {
  const items: ShipmentItem[] = s.contents ?? [];
  const sgtins = items.filter((i): i is SgtinItem => 'serial' in i).map((i) => sgtinUrn(i.gtin, i.serial, n));
  const lots = items
    .filter((i): i is LotItem => 'lot' in i)
    .map((i) => ({ epcClass: lgtinUrn(i.gtin, i.lot, n), quantity: i.quantity }));
  return { epcList: [ssccUrn(s.sscc, n), ...sgtins], ...(lots.length > 0 ? { quantityList: lots } : {}) };
}

/** EPCIS wants an ISO 8601 time with an offset; ledger times are UTC already, readings may be epoch ms. */
function iso(t: string | number): string {
  return new Date(t).toISOString();
}

const orgUri = (org: string) => `urn:coldtrail:org:${encodeURIComponent(org)}`;

/** An SGLN as an EPC URI when it is one (urn:epc:id:sgln:...); free-text sites are left out of the event. */
function place(key: 'readPoint' | 'bizLocation', site: string | undefined): Record<string, unknown> {
  return site?.startsWith('urn:epc:id:sgln:') ? { [key]: { id: site } } : {};
}

function base(at: string, action: 'ADD' | 'OBSERVE', what: What, bizStep: CbvBizStep) {
  return { type: 'ObjectEvent', eventTime: iso(at), eventTimeZoneOffset: '+00:00', action, ...what, bizStep };
}

/** CBV 2.0 §7.1: commissioning on creation, shipping/receiving on the two-step hand-over, arriving at the end. */
function custodyEvent(c: CustodyEvent, s: ShipmentEntry, what: What): Unidentified[] {
  const at = c.eventTime ?? c.at;
  const party = (type: 'source' | 'destination', org: string | undefined) =>
    org === undefined ? [] : [{ type: 'owning_party', [type]: orgUri(org) }];
  const disp = (d: CbvDispositionValue) => ({ disposition: d });
  switch (c.action) {
    case 'created':
      return [
        { ...base(at, 'ADD', what, 'commissioning'), ...disp('active'), ...place('bizLocation', s.origin) },
      ];
    case 'offered':
      return [
        {
          ...base(at, 'OBSERVE', what, 'shipping'),
          ...disp('in_transit'),
          ...place('readPoint', c.location),
          sourceList: party('source', c.org),
          destinationList: party('destination', c.to),
        },
      ];
    case 'accepted':
      return [
        {
          ...base(at, 'OBSERVE', what, 'receiving'),
          ...disp('in_progress'),
          ...place('readPoint', c.location),
          ...place('bizLocation', c.location),
          sourceList: party('source', c.from),
          destinationList: party('destination', c.org),
        },
      ];
    case 'rejected':
    case 'withdrawn':
      // The offer did not happen: CBV 2.0 void_shipping cancels the earlier shipping event.
      return [{ ...base(at, 'OBSERVE', what, 'void_shipping'), ...place('readPoint', c.location) }];
    case 'completed':
      return [
        {
          ...base(at, 'OBSERVE', what, 'arriving'),
          ...disp('in_progress'),
          ...place('bizLocation', s.destination),
        },
      ];
    default:
      return c.action satisfies never;
  }
}

function readingEvents(input: EpcisExportInput, what: What, device: string, windowMs: number) {
  const windows = new Map<number, Map<string, EpcisReading[]>>();
  for (const r of input.readings) {
    if (r.kind !== 'temperature' && r.kind !== 'humidity') continue;
    const ms = Date.parse(iso(r.ts));
    const w = Math.floor(ms / windowMs) * windowMs;
    const byTime = windows.get(w) ?? new Map<string, EpcisReading[]>();
    windows.set(w, byTime);
    const key = iso(r.ts);
    byTime.set(key, [...(byTime.get(key) ?? []), r]);
  }
  const rules = input.profileUri === undefined ? {} : { bizRules: input.profileUri };
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, byTime]) => {
      const times = [...byTime.keys()].sort();
      const sensorElementList = times.map((time) => ({
        sensorMetadata: { time, deviceID: device, ...rules },
        sensorReport: (byTime.get(time) ?? []).map((r) => {
          const m = CBV_SENSOR_MEASURES[r.kind as 'temperature' | 'humidity'];
          return {
            type: m.type,
            deviceID: `${device}:${encodeURIComponent(r.sensor)}`,
            value: r.value,
            uom: m.uom,
          };
        }),
      }));
      return { ...base(times[0] as string, 'OBSERVE', what, 'sensor_reporting'), sensorElementList };
    });
}

function excursionEvent(e: EpcisExcursion, what: What, device: string, profileUri: string | undefined) {
  const m = CBV_SENSOR_MEASURES[e.measure === 'humidity' ? 'humidity' : 'temperature'];
  // An alarm: the extreme value reached beyond the limit, as maxValue (above) or minValue (below) (EPCIS §7.3.8).
  const extreme = e.direction === 'above' ? { maxValue: e.maxValue } : { minValue: e.maxValue };
  return {
    ...base(e.start, 'OBSERVE', what, 'sensor_reporting'),
    sensorElementList: [
      {
        sensorMetadata: {
          startTime: iso(e.start),
          endTime: iso(e.end),
          deviceID: device,
          ...(profileUri === undefined ? {} : { bizRules: profileUri }),
        },
        sensorReport: [
          {
            type: m.type,
            exception: CBV_SENSOR_ALERTS.alarm,
            ...(e.sensor === undefined ? {} : { deviceID: `${device}:${encodeURIComponent(e.sensor)}` }),
            ...extreme,
            uom: m.uom,
          },
        ],
      },
    ],
  };
}

const DISPOSITION_STEP = {
  quarantine: 'holding',
  release: 'inspecting',
  reject: 'inspecting',
  destroy: 'destroying',
} as const satisfies Record<DispositionAction, CbvBizStep>;

function subjectWhat(s: QualitySubject, n: number | undefined): What {
  if ('sscc' in s) return { epcList: [ssccUrn(s.sscc, n)] };
  if ('serial' in s) return { epcList: [sgtinUrn(s.gtin, s.serial, n)] };
  // A whole lot: the class without a quantity (EPCIS 2.0 §7.3.3.3: quantity is optional).
  return { epcList: [], quantityList: [{ epcClass: lgtinUrn(s.gtin, s.lot, n) }] };
}

function dispositionEvent(d: DispositionStep, n: number | undefined) {
  return {
    ...base(d.at, 'OBSERVE', subjectWhat(d.subject, n), DISPOSITION_STEP[d.action]),
    disposition: d.cbvDisposition,
  };
}
