import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EPCIS_REFERENCE, officialExamples } from '../epcis/official-schema.js';
import { json, runCli } from './run-cli.js';

// `coldtrail epcis import` as a user runs it, on GS1's 18 official sensor-data examples
// (../shared/reference/epcis/examples, read where they lie).
const root = mkdtempSync(join(tmpdir(), 'coldtrail-epcis-import-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const example = (name: string) => join(EPCIS_REFERENCE, 'examples', name);

interface Outcome {
  document: { hash: string; importer: { msp: string }; eventIDs: string[] };
  created: boolean;
  newEvents: number;
  knownEvents: number;
}

describe('coldtrail epcis import', () => {
  it('imports each of the 18 official examples into a data dir it creates; the same file again writes nothing', async () => {
    const examples = officialExamples();
    expect(examples).toHaveLength(18);
    for (const { name } of examples) {
      const dir = join(root, `fresh-${name}`);
      const r = await runCli([
        'epcis',
        'import',
        example(name),
        '--data-dir',
        dir,
        '--org',
        'PartnerMSP',
        '--json',
      ]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const out = json<Outcome>(r);
      expect(out).toMatchObject({
        created: true,
        knownEvents: 0,
        document: { importer: { msp: 'PartnerMSP' } },
      });
      expect(out.newEvents).toBeGreaterThan(0);
      if (name === 'SensorDataExample1.jsonld') {
        const again = json<Outcome>(
          await runCli(['epcis', 'import', example(name), '--data-dir', dir, '--json']),
        );
        expect(again).toMatchObject({ created: false, newEvents: 0, document: { hash: out.document.hash } });
      }
    }
  }, 300_000);

  it('refuses an event whose eventID is known with other content, naming both documents', async () => {
    const dir = join(root, 'conflict');
    const first = json<Outcome>(
      await runCli([
        'epcis',
        'import',
        example('SensorDataExample1.jsonld'),
        '--data-dir',
        dir,
        '--org',
        'PartnerMSP',
        '--json',
      ]),
    );
    const doc = JSON.parse(readFileSync(example('SensorDataExample1.jsonld'), 'utf8'));
    const [event] = doc.epcisBody.eventList;
    event.eventID = first.document.eventIDs[0];
    event.eventTime = '2019-04-02T14:05:00.000+01:00'; // same id, other content
    const changed = join(root, 'changed.jsonld');
    writeFileSync(changed, JSON.stringify(doc));
    const r = await runCli(['epcis', 'import', changed, '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(first.document.hash);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an invalid document with the path that failed, before touching the ledger', async () => {
    const bad = join(root, 'bad.jsonld');
    const doc = JSON.parse(readFileSync(example('SensorDataExample2.jsonld'), 'utf8'));
    doc.epcisBody.eventList[0].eventTime = 'yesterday';
    writeFileSync(bad, JSON.stringify(doc));
    const dir = join(root, 'bad-dir');
    const r = await runCli(['epcis', 'import', bad, '--data-dir', dir, '--org', 'PartnerMSP']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/epcisBody\.eventList\[0\]\.eventTime: /);
    expect(r.stderr).toMatch(/nothing was imported/);
    const notJson = join(root, 'not.json');
    writeFileSync(notJson, '{"type":');
    expect((await runCli(['epcis', 'import', notJson, '--data-dir', dir, '--org', 'PartnerMSP'])).code).toBe(
      2,
    );
  });
});
