import { describe, expect, it } from 'vitest';
import { officialExamples, officialValidator } from '../../../test/epcis/official-schema.js';
import { checkEpcisDocument } from './epcis-document-check.js';

const official = officialValidator();
const examples = officialExamples();
const first = () => JSON.parse((examples[0] as { text: string }).text);

describe('checkEpcisDocument agrees with the official EPCIS 2.0 schema', () => {
  it('finds the 18 official examples', () => expect(examples).toHaveLength(18));

  it.each(examples.map((e) => [e.name, e.text]))('%s passes both', (_name, text) => {
    const doc = JSON.parse(text);
    expect(official(doc)).toEqual([]);
    expect(checkEpcisDocument(doc)).toMatchObject({ ok: true });
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary JSON
  type Mutation = [string, string, (d: any) => void];
  const mutations: Mutation[] = [
    [
      'eventTime without offset',
      'epcisBody.eventList[0].eventTime',
      (d) => (d.epcisBody.eventList[0].eventTime = '2019-04-02T15:00:00'),
    ],
    [
      'eventTime not a date',
      'epcisBody.eventList[0].eventTime',
      (d) => (d.epcisBody.eventList[0].eventTime = 'yesterday'),
    ],
    [
      'eventTime missing',
      'epcisBody.eventList[0].eventTime',
      (d) => delete d.epcisBody.eventList[0].eventTime,
    ],
    [
      'bad time-zone offset',
      'epcisBody.eventList[0].eventTimeZoneOffset',
      (d) => (d.epcisBody.eventList[0].eventTimeZoneOffset = '+15:00'),
    ],
    [
      'bizStep not in CBV',
      'epcisBody.eventList[0].bizStep',
      (d) => (d.epcisBody.eventList[0].bizStep = 'teleporting'),
    ],
    [
      'bizStep as CBV URN',
      'epcisBody.eventList[0].bizStep',
      (d) => (d.epcisBody.eventList[0].bizStep = 'urn:epcglobal:cbv:bizstep:shipping'),
    ],
    [
      'disposition not in CBV',
      'epcisBody.eventList[0].disposition',
      (d) => (d.epcisBody.eventList[0].disposition = 'lost_in_space'),
    ],
    ['unknown action', 'epcisBody.eventList[0].action', (d) => (d.epcisBody.eventList[0].action = 'MOVE')],
    ['action missing', 'epcisBody.eventList[0].action', (d) => delete d.epcisBody.eventList[0].action],
    [
      'EPC not a URI',
      'epcisBody.eventList[0].epcList[0]',
      (d) => (d.epcisBody.eventList[0].epcList[0] = 'not a uri'),
    ],
    [
      'readPoint without id',
      'epcisBody.eventList[0].readPoint.id',
      (d) => (d.epcisBody.eventList[0].readPoint = {}),
    ],
    [
      'sensor type unknown',
      'epcisBody.eventList[0].sensorElementList[0].sensorReport[0].type',
      (d) => (d.epcisBody.eventList[0].sensorElementList[0].sensorReport[0].type = 'Temprature'),
    ],
    [
      'sensor type missing',
      'epcisBody.eventList[0].sensorElementList[0].sensorReport[0].type',
      (d) => delete d.epcisBody.eventList[0].sensorElementList[0].sensorReport[0].type,
    ],
    [
      'sensor value a string',
      'epcisBody.eventList[0].sensorElementList[0].sensorReport[0].value',
      (d) => (d.epcisBody.eventList[0].sensorElementList[0].sensorReport[0].value = '26.0'),
    ],
    [
      'exception not an alert type',
      'epcisBody.eventList[0].sensorElementList[0].sensorReport[0].exception',
      (d) => (d.epcisBody.eventList[0].sensorElementList[0].sensorReport[0].exception = 'HOT'),
    ],
    [
      'sensorMetadata time bad',
      'epcisBody.eventList[0].sensorElementList[0].sensorMetadata.time',
      (d) => (d.epcisBody.eventList[0].sensorElementList[0].sensorMetadata.time = '2019-04-02'),
    ],
    [
      'sensorReport missing',
      'epcisBody.eventList[0].sensorElementList[0].sensorReport',
      (d) => delete d.epcisBody.eventList[0].sensorElementList[0].sensorReport,
    ],
    [
      'eventID not a URI',
      'epcisBody.eventList[0].eventID',
      (d) => (d.epcisBody.eventList[0].eventID = 'event 1'),
    ],
    ['creationDate bad', 'creationDate', (d) => (d.creationDate = '11 July 2005')],
    ['schemaVersion missing', 'schemaVersion', (d) => delete d.schemaVersion],
    ['@context missing', '@context', (d) => delete d['@context']],
    ['eventList missing', 'epcisBody.eventList', (d) => (d.epcisBody = {})],
    [
      'quantity element without class',
      'epcisBody.eventList[0].quantityList[0].epcClass',
      (d) => (d.epcisBody.eventList[0].quantityList = [{ quantity: 3 }]),
    ],
    [
      'source without type',
      'epcisBody.eventList[0].sourceList[0].type',
      (d) => (d.epcisBody.eventList[0].sourceList = [{ source: 'urn:epc:id:pgln:4012345.00000' }]),
    ],
  ];

  it.each(mutations)('%s fails both, at %s', (_name, path, mutate) => {
    const doc = first();
    mutate(doc);
    expect(official(doc).length).toBeGreaterThan(0);
    const ours = checkEpcisDocument(doc);
    expect(ours.ok).toBe(false);
    if (!ours.ok) expect(ours.problems.map((p) => p.path)).toContain(path);
  });

  it('refuses what is not an object, without throwing', () => {
    for (const v of [null, 3, 'x', []]) expect(checkEpcisDocument(v)).toMatchObject({ ok: false });
  });
});
