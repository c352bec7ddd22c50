import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkEpcisDocument,
  epcisEventId,
  epcsOfEvent,
  importedContentHash,
  toLgtinUrn,
  toSgtinUrn,
  toSsccUrn,
} from '@coldtrail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPCIS_REFERENCE, officialValidator } from '../epcis/official-schema.js';
import { json, runCli } from './run-cli.js';
import { type ShortDemoJson, shortDemo } from './short-demo-kit.js';

// A partner's EPCIS document imported into a demo's data dir (`coldtrail epcis import`), then seen in
// `coldtrail provenance` (JSON, table) and exported back by `--format epcis`: each partner event returns with
// its eventID and content unchanged, inside a document GS1's official schema accepts (issue 9).
const root = mkdtempSync(join(tmpdir(), 'coldtrail-imported-'));
const dataDir = join(root, 'data');
const ORG = 'ColdtrailDemoMSP';
const validate = officialValidator();
type Ev = Record<string, unknown>;
type Doc = { epcisBody: { eventList: Ev[] } };
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
let demo: ShortDemoJson;
let partnerText: string;
let partnerEvents: Ev[];
let lotId: string;

function partnerDocument(d: ShortDemoJson): unknown {
  const lot = d.contents.find((c) => 'lot' in c) as { gtin: string; lot: string };
  const pack = d.contents.find((c) => 'serial' in c) as { gtin: string; serial: string };
  const at = (h: number) => `2030-01-0${h}T10:00:00.000+01:00`;
  const base = { type: 'ObjectEvent', eventTimeZoneOffset: '+01:00', action: 'OBSERVE' };
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2030-01-05T00:00:00.000+01:00',
    epcisBody: {
      eventList: [
        {
          ...base,
          eventID: 'urn:uuid:6b1f2a0e-8c7d-4e3b-9a51-0000000000a1',
          eventTime: at(1),
          epcList: [toSsccUrn(d.shipment)],
          bizStep: 'receiving',
          disposition: 'in_progress',
          readPoint: { id: 'urn:epc:id:sgln:4012345.00005.0' },
        },
        {
          ...base,
          eventID: 'urn:uuid:6b1f2a0e-8c7d-4e3b-9a51-0000000000a2',
          eventTime: at(2),
          epcList: [toSgtinUrn(pack.gtin, pack.serial)],
          quantityList: [{ epcClass: toLgtinUrn(lot.gtin, lot.lot), quantity: 20 }],
          bizStep: 'storing',
        },
        // No eventID: the import gives it core's content-addressed one, and the export carries that.
        { ...base, eventTime: at(3), epcList: [toSsccUrn(d.shipment)], bizStep: 'departing' },
      ],
    },
  };
}

beforeAll(async () => {
  demo = await shortDemo(root, dataDir, { hours: 2, seed: 3 });
  lotId = /'(\(01\)\d{14}\(10\)[^']+)'/.exec(demo.try.join(' '))?.[1] as string;
  expect(lotId).toBeDefined();
  const doc = partnerDocument(demo);
  expect(validate(doc)).toEqual([]); // the partner's document is valid by the official schema
  partnerText = JSON.stringify(doc, null, 2);
  partnerEvents = (doc as Doc).epcisBody.eventList;
  const file = join(root, 'partner.jsonld');
  writeFileSync(file, partnerText);
  const r = await runCli(['epcis', 'import', file, '--data-dir', dataDir, '--org', ORG, '--json']);
  expect(r.code, r.stderr).toBe(0);
}, 240_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The partner's events with the eventID each was recorded under (core's for the one that had none). */
const recorded = (): Ev[] =>
  partnerEvents.map((e) => ({ ...e, eventID: typeof e.eventID === 'string' ? e.eventID : epcisEventId(e) }));
const naming = (uri: string) =>
  recorded().filter((e) =>
    [
      ...((e.epcList as string[]) ?? []),
      ...((e.quantityList as { epcClass: string }[]) ?? []).map((q) => q.epcClass),
    ].includes(uri),
  );

async function exportOf(id: string): Promise<Doc> {
  const r = await runCli(['provenance', id, '--data-dir', dataDir, '--format', 'epcis']);
  expect(r.code, r.stderr).toBe(0);
  const doc = json<Doc>(r);
  expect(validate(doc)).toEqual([]);
  expect(checkEpcisDocument(doc)).toMatchObject({ ok: true });
  return doc;
}

/** Each expected event is in the export once, with its eventID and the same content hash. */
function expectRoundTrip(doc: Doc, expected: Ev[]): void {
  expect(expected.length).toBeGreaterThan(0);
  for (const e of expected) {
    const back = doc.epcisBody.eventList.filter((x) => x.eventID === e.eventID);
    expect(back, String(e.eventID)).toHaveLength(1);
    expect(importedContentHash(back[0] as Ev)).toBe(importedContentHash(e));
  }
}

describe('imported EPCIS events in provenance and its exports', () => {
  it('provenance of the SSCC lists its partner events (JSON and table), labelled as a partner claim', async () => {
    const r = await runCli(['provenance', demo.shipment, '--data-dir', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = json<{
      imported: { eventID: string; document: string; importer: { msp: string }; at: string }[];
    }>(r);
    const expected = naming(toSsccUrn(demo.shipment));
    expect(report.imported.map((e) => e.eventID)).toEqual(expected.map((e) => e.eventID));
    for (const e of report.imported) {
      expect(e).toMatchObject({ document: sha(partnerText), importer: { msp: ORG } });
      expect(Date.parse(e.at)).not.toBeNaN();
    }
    const table = await runCli(['provenance', demo.shipment, '--data-dir', dataDir]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(
      "Partner events (imported EPCIS)  2: a partner's claims recorded on this ledger",
    );
    expect(table.stdout).toContain('receiving');
    expect(table.stdout).toContain(`imported by ${ORG}`);
  });

  it('--format epcis of the SSCC and of its lot carries the partner events unchanged beside ours', async () => {
    const ours = (doc: Doc) => doc.epcisBody.eventList.filter((e) => String(e.eventID).startsWith('ni:///'));
    const sscc = await exportOf(demo.shipment);
    expectRoundTrip(sscc, naming(toSsccUrn(demo.shipment)));
    // A document without extension namespaces: its events come back exactly as written.
    for (const e of naming(toSsccUrn(demo.shipment)))
      expect(sscc.epcisBody.eventList.find((x) => x.eventID === e.eventID)).toEqual(e);
    expect(ours(sscc).length).toBeGreaterThan(2); // our commissioning, readings, ... are still there
    const lot = demo.contents.find((c) => 'lot' in c) as { gtin: string; lot: string };
    const lotDoc = await exportOf(lotId);
    // The lot's own partner event (its LGTIN class) and those of the pallet that carried it.
    expectRoundTrip(lotDoc, [...naming(toLgtinUrn(lot.gtin, lot.lot)), ...naming(toSsccUrn(demo.shipment))]);
    const html = await runCli(['provenance', demo.shipment, '--data-dir', dataDir, '--format', 'html']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('<h2>Partner events (imported EPCIS)</h2>');
  });

  it('the export imports back: its partner events are already on the ledger with the same content', async () => {
    const doc = await exportOf(demo.shipment);
    const file = join(root, 'export.jsonld');
    writeFileSync(file, JSON.stringify(doc));
    const r = await runCli(['epcis', 'import', file, '--data-dir', dataDir, '--org', ORG, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ knownEvents: number }>(r).knownEvents).toBe(naming(toSsccUrn(demo.shipment)).length);
  });

  it('an official example imported comes back by --format epcis for an EPC it names, though no shipment of ours carried it', async () => {
    const name = 'SensorDataExample7.jsonld'; // its sensor reports use `example:` types
    const text = readFileSync(join(EPCIS_REFERENCE, 'examples', name), 'utf8');
    const r = await runCli([
      'epcis',
      'import',
      join(EPCIS_REFERENCE, 'examples', name),
      '--data-dir',
      dataDir,
      '--org',
      ORG,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const epc = 'urn:epc:id:sgtin:4012345.011111.9876';
    const events = (JSON.parse(text) as Doc).epcisBody.eventList.filter((e) => epcsOfEvent(e).includes(epc));
    const exported = await runCli(['provenance', epc, '--data-dir', dataDir, '--format', 'epcis']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('the document holds only the partner events (imported EPCIS)');
    const doc = json<Doc>(exported);
    expect(validate(doc)).toEqual([]);
    expectRoundTrip(doc, events);
    expect(doc.epcisBody.eventList).toHaveLength(events.length);
    expect(checkEpcisDocument(doc)).toMatchObject({ ok: true });
    // The example's `example:` extension fields stay defined: its document's namespace rides on each event.
    expect(text).toContain('"example:');
    for (const e of doc.epcisBody.eventList) {
      expect(e['@context']).toEqual([
        'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
        { example: 'http://ns.example.com/epcis/' },
      ]);
    }
    // The other forms still say no shipment carried it, and point at the export.
    const table = await runCli(['provenance', epc, '--data-dir', dataDir]);
    expect(table.code).toBe(4);
    expect(table.stderr).toContain(`${events.length} partner event(s) (imported EPCIS) name it`);
    expect(table.stderr).not.toMatch(/\n\s+at /);
  });
});
