import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkEpcisDocument, isCbvBizStep, isCbvDisposition } from '@coldtrail/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { officialValidator } from '../epcis/official-schema.js';
import { json, runCli } from './run-cli.js';
import { shortDemo } from './short-demo-kit.js';

// `provenance --format epcis|html` from the CLI, on a demo's data dir: the EPCIS document validates against
// GS1's official schema (../shared/reference, Ajv with formats on) and uses CBV 2.0 values only; the HTML
// report is one self-contained file with the excursion drawn on its chart.
const root = mkdtempSync(join(tmpdir(), 'coldtrail-exports-'));
const dataDir = join(root, 'data');
let sscc: string;
let lotId: string;

beforeAll(async () => {
  const demo = await shortDemo(root, dataDir, {
    hours: 3,
    seed: 5,
    events: [{ name: 'warm', start: '1h', duration: '45m', peak: 10 }],
  });
  sscc = demo.shipment;
  lotId = /'(\(01\)\d{14}\(10\)[^']+)'/.exec(demo.try.join(' '))?.[1] as string;
  expect(lotId).toBeDefined();
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('coldtrail provenance --format epcis|html', () => {
  it('EPCIS 2.0 of a shipment and of its lot: valid by the official schema, CBV 2.0 values, every reading', async () => {
    const validate = officialValidator();
    for (const id of [sscc, lotId]) {
      const r = await runCli(['provenance', id, '--data-dir', dataDir, '--format', 'epcis']);
      expect(r.code, r.stderr).toBe(0);
      const doc = json<{ epcisBody: { eventList: Record<string, unknown>[] } }>(r);
      expect(validate(doc)).toEqual([]);
      expect(checkEpcisDocument(doc)).toMatchObject({ ok: true });
      const events = doc.epcisBody.eventList;
      for (const e of events) {
        if (e.bizStep !== undefined) expect(isCbvBizStep(e.bizStep), String(e.bizStep)).toBe(true);
        if (e.disposition !== undefined)
          expect(isCbvDisposition(e.disposition), String(e.disposition)).toBe(true);
      }
      const text = JSON.stringify(doc);
      expect(text).toContain('https://coldtrail.dev/profiles/2-8c/v1'); // bizRules cites the profile
      expect(text).toContain('ALARM_CONDITION'); // the warm hour
      expect(text).toContain(`urn:epc:id:sscc:`);
    }
    const report = json<{ readings: { temperature: number; humidity: number } }>(
      await runCli(['provenance', sscc, '--data-dir', dataDir, '--json']),
    );
    const doc = json<{
      epcisBody: {
        eventList: { sensorElementList?: { sensorReport: { type: string; exception?: string }[] }[] }[];
      };
    }>(await runCli(['provenance', sscc, '--data-dir', dataDir, '--format', 'epcis']));
    const reports = doc.epcisBody.eventList.flatMap((e) =>
      (e.sensorElementList ?? []).flatMap((s) => s.sensorReport),
    );
    const measured = reports.filter((r) => r.exception === undefined);
    expect(measured.length).toBe(report.readings.temperature + report.readings.humidity);
  });

  it('an HTML trip report for the SSCC, none for a lot', async () => {
    const r = await runCli(['provenance', sscc, '--data-dir', dataDir, '--format', 'html']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/i);
    expect(r.stdout).toContain(sscc);
    expect(r.stdout).toMatch(/<svg[\s\S]*class="excursion"/);
    expect(r.stdout).not.toMatch(/<script|src="http|href="http/i);
    const lot = await runCli(['provenance', lotId, '--data-dir', dataDir, '--format', 'html']);
    expect(lot.code).toBe(2);
    expect(lot.stderr).toMatch(/the HTML trip report is one shipment's: give an SSCC/);
  });
});
