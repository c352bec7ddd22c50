import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli } from './run-cli.js';

// The demo's shipment carries real contents (issue 9), and every identifier the demo offers to try answers on
// a fresh data dir: a pack, the lot, the lot by GTIN + --lot, a GS1 Digital Link.
const root = mkdtempSync(join(tmpdir(), 'coldtrail-demo-ids-'));
const dataDir = join(root, 'data');
const scenario = join(root, 'short.yaml');

interface DemoJson {
  shipment: string;
  contents: (
    | { gtin: string; serial: string }
    | { gtin: string; lot: string; expiry: string; quantity: number }
  )[];
  try: string[];
}
let demo: DemoJson;

/** `coldtrail provenance '(01)..' --data-dir X` -> its arguments (single quotes as a POSIX shell reads them). */
function argsOf(command: string): string[] {
  const out = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
  expect(out[0]).toBe('coldtrail');
  return out.slice(1);
}

beforeAll(async () => {
  writeFileSync(
    scenario,
    [
      'name: short-2-8',
      'duration: 1h',
      'seed: 7',
      'limits:',
      '  lower: 2',
      '  upper: 8',
      'temperature:',
      '  mean: 5',
      '  swing: 1',
      '  period: 1h',
      'humidity:',
      '  mean: 50',
      '  swing: 5',
      '  period: 1h',
      'events: []',
      '',
    ].join('\n'),
  );
  const r = await runCli([
    'demo',
    '--data-dir',
    dataDir,
    '--json',
    '--serial',
    'in-process',
    '--scenario',
    scenario,
  ]);
  expect(r.code, r.stderr).toBe(0);
  demo = json<DemoJson>(r);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the demo shipment’s contents', () => {
  it('declares a lot of the demo product with its expiry and three serialised packs', () => {
    expect(demo.contents).toEqual([
      { gtin: '10614141073464', lot: 'L2026-DEMO1', expiry: '2028-12-31', quantity: 120 },
      { gtin: '10614141073464', serial: 'P1-01' },
      { gtin: '10614141073464', serial: 'P1-02' },
      { gtin: '10614141073464', serial: 'P1-03' },
    ]);
    expect(demo.try).toHaveLength(4);
    expect(demo.try[0]).toBe(`coldtrail provenance '(01)10614141073464(21)P1-01' --data-dir ${dataDir}`);
  });

  it('answers every identifier the demo offers, through this one shipment, verified', async () => {
    for (const command of demo.try) {
      const r = await runCli([...argsOf(command), '--json']);
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      const a = json<{ kind: string; shipments: { sscc: string }[]; verification: { ok: boolean } }>(r);
      expect(['sgtin', 'lot']).toContain(a.kind);
      expect(a.shipments.map((s) => s.sscc)).toEqual([demo.shipment]);
      expect(a.verification.ok).toBe(true);
    }
  }, 60_000);
});
