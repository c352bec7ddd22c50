import { CBV_BIZ_STEPS, CBV_DISPOSITIONS, CBV_SOURCE_DEST_TYPES, EPCIS_ACTIONS } from './cbv.js';

/**
 * coldtrail's own structural check of an EPCIS 2.0 JSON / JSON-LD document (EPCIS 2.0 §9, the rules of the
 * official EPCIS-JSON-Schema that an importer relies on), so production carries no copy of the GS1 schema.
 * Each problem names the JSON path that failed. Tests hold it against the official schema (Ajv, formats on):
 * the official examples pass both, and documents that each break one rule fail both.
 */
export interface EpcisProblem {
  path: string;
  message: string;
}
export type EpcisCheck = { ok: true; eventCount: number } | { ok: false; problems: EpcisProblem[] };

export const EPCIS_LIMITS = { maxEvents: 10_000, maxProblems: 50 } as const;

/** RFC 3339 date-time with an offset (JSON Schema `date-time`); EPCIS 2.0 §7.3.1 requires the offset. */
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
/** An absolute URI (RFC 3986 scheme ":" then no whitespace), as JSON Schema `uri` wants. */
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s"<>\\^`{|}]*$/;
const TZ_OFFSET = /^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$/;
const UOM = /^[A-Z0-9]{2,3}$/;
/** CBV values must be given bare; the URN / old web forms of CBV values are refused by EPCIS 2.0 JSON. */
const CBV_URI = /^(urn:epcglobal:cbv|https?:\/\/ns\.gs1\.org\/cbv\/)/;
const GS1_VOC = /^(https?:\/\/gs1\.org\/voc\/|https?:\/\/www\.gs1\.org\/voc\/)/;
const EVENT_TYPES = [
  'ObjectEvent',
  'AggregationEvent',
  'TransactionEvent',
  'TransformationEvent',
  'AssociationEvent',
];
const MEASUREMENT_TYPES = new Set(
  'AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude AmountOfSubstance AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure RadiantFlux RadiantIntensity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber'.split(
    ' ',
  ),
);
const ALERT_TYPES = new Set(['ALARM_CONDITION', 'ERROR_CONDITION']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: EpcisProblem[] = [];
  fail(path: string, message: string): void {
    if (this.problems.length < EPCIS_LIMITS.maxProblems) this.problems.push({ path, message });
  }
  time(o: Obj, key: string, path: string, required = false): void {
    const v = o[key];
    if (v === undefined) {
      if (required) this.fail(`${path}.${key}`, 'is required');
    } else if (typeof v !== 'string' || !DATE_TIME.test(v) || Number.isNaN(Date.parse(v))) {
      this.fail(
        `${path}.${key}`,
        'must be an ISO 8601 date-time with offset (e.g. 2026-03-01T10:00:00.000Z)',
      );
    }
  }
  uri(o: Obj, key: string, path: string, required = false): void {
    const v = o[key];
    if (v === undefined) {
      if (required) this.fail(`${path}.${key}`, 'is required');
    } else if (typeof v !== 'string' || !URI.test(v)) this.fail(`${path}.${key}`, 'must be an absolute URI');
  }
  num(o: Obj, key: string, path: string): void {
    if (o[key] !== undefined && typeof o[key] !== 'number') this.fail(`${path}.${key}`, 'must be a number');
  }
  uom(o: Obj, key: string, path: string): void {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'string' || !UOM.test(v)))
      this.fail(`${path}.${key}`, 'must be a UN/ECE Rec. 20 unit code (2-3 capitals or digits, e.g. CEL)');
  }
  /** A CBV value: bare from the set, or a URI of another vocabulary (never a CBV URN or GS1 web URI). */
  vocab(o: Obj, key: string, path: string, bare: ReadonlySet<string>, foreign: RegExp, what: string): void {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v === 'string' && bare.has(v)) return;
    if (typeof v === 'string' && URI.test(v) && !foreign.test(v)) return;
    this.fail(
      `${path}.${key}`,
      `must be a ${what} (bare, e.g. ${[...bare][0]}) or a URI of another vocabulary`,
    );
  }
  list(o: Obj, key: string, path: string, each: (item: unknown, p: string) => void): void {
    const v = o[key];
    if (v === undefined) return;
    if (!Array.isArray(v)) {
      this.fail(`${path}.${key}`, 'must be an array');
      return;
    }
    v.forEach((item, i) => {
      each(item, `${path}.${key}[${i}]`);
    });
  }
}

const BIZ_STEPS = new Set<string>(CBV_BIZ_STEPS);
const DISPOSITIONS = new Set<string>(CBV_DISPOSITIONS);
const SOURCE_DEST = new Set<string>(CBV_SOURCE_DEST_TYPES);
const ACTIONS = new Set<string>(EPCIS_ACTIONS);

/** Checks a parsed document; never throws on hostile input. */
export function checkEpcisDocument(doc: unknown): EpcisCheck {
  const c = new Checker();
  if (!isObj(doc))
    return { ok: false, problems: [{ path: '$', message: 'must be a JSON object (an EPCISDocument)' }] };
  if (doc.type !== 'EPCISDocument') c.fail('type', 'must be "EPCISDocument"');
  checkContext(c, doc, '');
  if (doc['@context'] === undefined) c.fail('@context', 'is required (the EPCIS 2.0 JSON-LD context)');
  if (typeof doc.schemaVersion !== 'string') c.fail('schemaVersion', 'is required (a string, "2.0")');
  c.time(doc, 'creationDate', '$', true);
  const body = doc.epcisBody;
  let eventCount = 0;
  if (!isObj(body)) c.fail('epcisBody', 'is required (an object holding eventList)');
  else if (!Array.isArray(body.eventList)) c.fail('epcisBody.eventList', 'is required (an array of events)');
  else {
    eventCount = body.eventList.length;
    if (eventCount > EPCIS_LIMITS.maxEvents)
      c.fail(
        'epcisBody.eventList',
        `holds ${eventCount} events; split the document (at most ${EPCIS_LIMITS.maxEvents})`,
      );
    else {
      body.eventList.forEach((e, i) => {
        checkEvent(c, e, `epcisBody.eventList[${i}]`);
      });
    }
  }
  const problems = c.problems.map((p) => ({ ...p, path: p.path.replace(/^\$\./, '') }));
  return problems.length === 0 ? { ok: true, eventCount } : { ok: false, problems };
}

function checkContext(c: Checker, o: Obj, path: string): void {
  const v = o['@context'];
  const at = `${path}@context`;
  if (v === undefined || isObj(v) || (typeof v === 'string' && URI.test(v))) return;
  if (!Array.isArray(v)) {
    c.fail(at, 'must be a URI, an object or an array of them');
    return;
  }
  v.forEach((x, i) => {
    if (!isObj(x) && !(typeof x === 'string' && URI.test(x)))
      c.fail(`${at}[${i}]`, 'must be a URI or an object');
  });
}

function checkEvent(c: Checker, e: unknown, path: string): void {
  if (!isObj(e)) {
    c.fail(path, 'must be an event object');
    return;
  }
  if (typeof e.type !== 'string') {
    c.fail(`${path}.type`, 'is required (e.g. ObjectEvent)');
    return;
  }
  c.time(e, 'eventTime', path, true);
  c.time(e, 'recordTime', path);
  const tz = e.eventTimeZoneOffset;
  if (tz === undefined) c.fail(`${path}.eventTimeZoneOffset`, 'is required (e.g. +01:00)');
  else if (typeof tz !== 'string' || !TZ_OFFSET.test(tz))
    c.fail(`${path}.eventTimeZoneOffset`, 'must be an offset from -14:00 to +14:00 (e.g. +01:00)');
  c.uri(e, 'eventID', path);
  if (!EVENT_TYPES.includes(e.type)) {
    // An extension event type (EPCIS 2.0 §7.4.6) must carry its own JSON-LD context.
    if (e['@context'] === undefined)
      c.fail(`${path}.@context`, `is required on an extension event (${e.type})`);
    return;
  }
  checkContext(c, e, `${path}.`);
  if (e.type !== 'TransformationEvent' && e.type !== 'AssociationEvent') {
    if (e.action === undefined) c.fail(`${path}.action`, 'is required (ADD, OBSERVE or DELETE)');
  }
  if (e.action !== undefined && !(typeof e.action === 'string' && ACTIONS.has(e.action)))
    c.fail(`${path}.action`, 'must be ADD, OBSERVE or DELETE');
  c.vocab(e, 'bizStep', path, BIZ_STEPS, CBV_URI, 'CBV 2.0 business step');
  c.vocab(e, 'disposition', path, DISPOSITIONS, CBV_URI, 'CBV 2.0 disposition');
  for (const k of ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList']) {
    c.list(e, k, path, (x, p) => {
      if (typeof x !== 'string' || !URI.test(x)) c.fail(p, 'must be an EPC URI');
    });
  }
  c.uri(e, 'parentID', path);
  for (const k of ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList'])
    c.list(e, k, path, (q, p) => checkQuantity(c, q, p));
  for (const k of ['readPoint', 'bizLocation']) {
    const v = e[k];
    if (v !== undefined)
      isObj(v) ? c.uri(v, 'id', `${path}.${k}`, true) : c.fail(`${path}.${k}`, 'must be an object with id');
  }
  c.list(e, 'sourceList', path, (s, p) => checkSourceDest(c, s, p, 'source'));
  c.list(e, 'destinationList', path, (s, p) => checkSourceDest(c, s, p, 'destination'));
  c.list(e, 'sensorElementList', path, (s, p) => checkSensorElement(c, s, p));
}

function checkQuantity(c: Checker, q: unknown, p: string): void {
  if (!isObj(q)) {
    c.fail(p, 'must be an object with epcClass');
    return;
  }
  c.uri(q, 'epcClass', p, true);
  c.num(q, 'quantity', p);
  c.uom(q, 'uom', p);
  for (const k of Object.keys(q))
    if (!['epcClass', 'quantity', 'uom'].includes(k)) c.fail(`${p}.${k}`, 'is not allowed');
}

function checkSourceDest(c: Checker, s: unknown, p: string, key: 'source' | 'destination'): void {
  if (!isObj(s)) {
    c.fail(p, `must be an object with type and ${key}`);
    return;
  }
  c.vocab(s, 'type', p, SOURCE_DEST, CBV_URI, 'CBV source/destination type');
  if (s.type === undefined) c.fail(`${p}.type`, 'is required (e.g. owning_party)');
  c.uri(s, key, p, true);
  for (const k of Object.keys(s)) if (k !== 'type' && k !== key) c.fail(`${p}.${k}`, 'is not allowed');
}

function checkSensorElement(c: Checker, s: unknown, p: string): void {
  if (!isObj(s)) {
    c.fail(p, 'must be an object with sensorReport');
    return;
  }
  const m = s.sensorMetadata;
  if (m !== undefined) {
    const mp = `${p}.sensorMetadata`;
    if (!isObj(m)) c.fail(mp, 'must be an object');
    else {
      for (const k of ['time', 'startTime', 'endTime']) c.time(m, k, mp);
      for (const k of ['deviceID', 'deviceMetadata', 'rawData', 'dataProcessingMethod', 'bizRules'])
        c.uri(m, k, mp);
    }
  }
  if (!Array.isArray(s.sensorReport)) {
    c.fail(`${p}.sensorReport`, 'is required (an array of reports)');
    return;
  }
  s.sensorReport.forEach((r, i) => {
    const rp = `${p}.sensorReport[${i}]`;
    if (!isObj(r)) {
      c.fail(rp, 'must be an object');
      return;
    }
    if (r.type === undefined) c.fail(`${rp}.type`, 'is required (a measurement type, e.g. Temperature)');
    c.vocab(r, 'type', rp, MEASUREMENT_TYPES, GS1_VOC, 'GS1 measurement type');
    c.vocab(r, 'exception', rp, ALERT_TYPES, GS1_VOC, 'sensor alert type');
    c.time(r, 'time', rp);
    for (const k of ['value', 'minValue', 'maxValue', 'meanValue', 'sDev', 'percRank', 'percValue'])
      c.num(r, k, rp);
    for (const k of ['deviceID', 'deviceMetadata', 'rawData', 'dataProcessingMethod', 'bizRules', 'uriValue'])
      c.uri(r, k, rp);
    // A sensor report's uom is any string in the schema (only quantity elements are held to Rec. 20 form).
    if (r.uom !== undefined && typeof r.uom !== 'string') c.fail(`${rp}.uom`, 'must be a string (e.g. CEL)');
  });
}

/** One line per problem, `path: message`, for the CLI. */
export function describeEpcisProblems(problems: readonly EpcisProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
