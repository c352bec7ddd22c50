import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli } from './run-cli.js';

// `coldtrail shipment create --contents FILE` declares what a shipment carries (issue 9), so its packs and
// lots answer `coldtrail provenance`.
const root = mkdtempSync(join(tmpdir(), 'coldtrail-contents-'));
const data = join(root, 'data');
const on = ['--data-dir', data];
const contentsFile = (name: string, value: unknown) => {
  const file = join(root, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

beforeAll(async () => {
  const pem = join(root, 'public-key.pem');
  writeFileSync(pem, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  const r = await runCli([
    'device',
    'enroll',
    ...on,
    '--org',
    'ColdtrailOrgMSP',
    '--device',
    'p1',
    '--public-key',
    pem,
  ]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('coldtrail shipment create --contents', () => {
  it('refuses a contents file that is not a list of items, naming the problem (exit 2)', async () => {
    for (const [value, message] of [
      ['not json', /is not JSON/],
      [[], /must be a JSON list of 1-1000 items/],
      [
        [{ gtin: '9506000134353', serial: 'S1' }],
        /item 0: "9506000134353": GTIN check digit is 3, expected 2/,
      ],
      [
        [{ gtin: '9506000134352', lot: 'lot#1', expiry: '2027-01-31', quantity: 1 }],
        /contents\[0\]\.lot must be/,
      ],
    ] as const) {
      const r = await runCli([
        'shipment',
        'create',
        ...on,
        '--device',
        'p1',
        '--contents',
        contentsFile('bad.json', value),
      ]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('declares the items (GTINs padded to 14 digits) and provenance finds the shipment by each', async () => {
    const file = contentsFile('contents.json', [
      { gtin: '9506000134352', serial: 'S-1' },
      { gtin: '09506000134352', lot: 'B7', expiry: '2027-01-31', quantity: 50 },
    ]);
    const created = await runCli([
      'shipment',
      'create',
      ...on,
      '--device',
      'p1',
      '--contents',
      file,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const sscc = json<{ shipment: string }>(created).shipment;
    for (const id of ['(01)09506000134352(21)S-1', '(01)09506000134352(10)B7']) {
      const r = await runCli(['provenance', id, ...on, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const a = json<{ shipments: { sscc: string; lines: unknown[] }[] }>(r);
      expect(a.shipments.map((s) => s.sscc)).toEqual([sscc]);
      expect(a.shipments[0]?.lines).toHaveLength(1);
    }
  });
});
