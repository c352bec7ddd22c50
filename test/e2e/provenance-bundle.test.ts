import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli } from './run-cli.js';
import { shortDemo } from './short-demo-kit.js';

// `provenance <sscc> --bundle FILE` as a user runs it: the answer on stdout as usual, the bundle written beside,
// and `coldtrail verify FILE` checking it with nothing else; one changed byte of a reading fails it.
const root = mkdtempSync(join(tmpdir(), 'coldtrail-prov-bundle-'));
const dataDir = join(root, 'data');
let sscc: string;

beforeAll(async () => {
  const demo = await shortDemo(root, dataDir, {
    hours: 3,
    seed: 3,
    events: [{ name: 'warm', start: '1h', duration: '45m', peak: 10 }],
  });
  sscc = demo.shipment;
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('coldtrail provenance --bundle, then coldtrail verify', () => {
  it('writes a bundle that verifies on its own, and fails on one changed reading value', async () => {
    const file = join(root, 'trip.bundle.json');
    const p = await runCli(['provenance', sscc, '--data-dir', dataDir, '--format', 'json', '--bundle', file]);
    expect(p.code, p.stderr).toBe(0);
    expect(json<{ sscc: string }>(p).sscc).toBe(sscc); // stdout is the answer, unchanged by --bundle
    expect(p.stderr).toContain(`bundle written: ${file}`);
    const v = await runCli(['verify', file, '--json']);
    expect(v.code, v.stdout).toBe(0);
    const report = json<{ ok: boolean; excursions: unknown[] }>(v);
    expect(report.ok).toBe(true);
    expect(report.excursions.length).toBeGreaterThan(0); // the warm hour, re-derived under the shipment's profile
    // Edit the file at rest: the first temperature value, by one character.
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('"kind":"temperature"');
    const valueAt = text.indexOf('"value":', at) + '"value":'.length;
    const digit = text[valueAt] as string;
    const changed = `${text.slice(0, valueAt)}${digit === '9' ? '8' : String(Number(digit) + 1)}${text.slice(valueAt + 1)}`;
    const tampered = join(root, 'tampered.bundle.json');
    writeFileSync(tampered, changed);
    const t = await runCli(['verify', tampered]);
    expect(t.code).toBe(3);
    expect(t.stdout).toMatch(/FAIL/);
  }, 120_000);

  it('refuses --bundle for a lot (a bundle holds one shipment); --json is --format json', async () => {
    const lot = await runCli([
      'provenance',
      '(01)10614141073464(10)L2026-DEMO1',
      '--data-dir',
      dataDir,
      '--bundle',
      join(root, 'x.json'),
    ]);
    expect(lot.code).toBe(2);
    expect(lot.stderr).toMatch(/a bundle holds one shipment: give its SSCC/);
    const both = await runCli(['provenance', sscc, '--data-dir', dataDir, '--json', '--format', 'json']);
    expect(both.code, both.stderr).toBe(0);
  });
});
