import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLedgerSelection } from '../ledger-selection.js';
import { type ProvenanceBundle, parseBundle } from './bundle-format.js';
import { BUNDLE_DEVICE, BUNDLE_SSCC, buildBundleDataDir } from './bundle-shipment.test-kit.js';
import { verifyBundle, verifyBundleBytes } from './bundle-verify.js';
import { buildProvenanceBundle } from './bundle-write.js';

let dir: string;
let bundle: ProvenanceBundle;
const bytes = (b: unknown) => new TextEncoder().encode(JSON.stringify(b));
const failed = async (b: ProvenanceBundle) =>
  (await verifyBundle(parseBundle(bytes(b)))).checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coldtrail-bundle-'));
  await buildBundleDataDir(dir);
  bundle = await buildProvenanceBundle({ dataDir: dir }, BUNDLE_SSCC, () =>
    Date.parse('2026-02-01T00:00:00.000Z'),
  );
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('provenance bundle', () => {
  it('of a real completed shipment verifies offline, with its excursion re-derived', async () => {
    expect(bundle.readings).toHaveLength(240);
    expect(bundle.readings.every((r) => typeof r.record.value === 'number' || r.record.value === null)).toBe(
      true,
    );
    expect(bundle.anchors.length).toBeGreaterThan(0);
    expect(bundle.excursions).toHaveLength(1);
    const result = await verifyBundleBytes(bytes(bundle), 'b.json');
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual([
      'bundle',
      'readings',
      'signatures',
      'hash-chain',
      'anchors',
      'range',
      'custody',
      'excursions',
      'entries',
      'ledger',
      'tip',
    ]);
    expect(result.excursions).toEqual([
      expect.objectContaining({ recorded: true, derived: true, direction: 'above' }),
    ]);
  });

  it('names the reading whose value was changed', async () => {
    const b = structuredClone(bundle);
    const r = b.readings[10] as ProvenanceBundle['readings'][number];
    r.record = { ...r.record, value: (r.record.value as number) + 0.1 };
    expect(await failed(b)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`reading ${BUNDLE_DEVICE}#11: hash does not match its fields`),
      ]),
    );
  });

  it('an excursion left out of the bundle fails the excursions check (the readings still show it)', async () => {
    const b = structuredClone(bundle);
    b.excursions = [];
    expect((await failed(b)).join('\n')).toMatch(/excursions: .*not recorded on the ledger/);
  });

  it('fails the tip check when --expect-tip disagrees, and passes when it agrees', async () => {
    const { tip } = bundle.ledger;
    const ok = await verifyBundle(bundle, {
      expectTip: { expectTip: { number: tip.number, hash: tip.hash } },
    });
    expect(ok.ok).toBe(true);
    const bad = await verifyBundle(bundle, {
      expectTip: { expectTip: { number: tip.number, hash: 'ab'.repeat(32) } },
    });
    expect(bad.checks.find((c) => c.name === 'tip')).toMatchObject({ ok: false });
    const later = await verifyBundle(bundle, { expectTip: { expectTip: { number: tip.number + 5 } } });
    expect(later.checks.find((c) => c.name === 'tip')?.detail).toMatch(/cut off/);
  });

  it('refuses what is not a bundle with a message that says so', () => {
    expect(() => parseBundle(new TextEncoder().encode('{"format":"x"}'), 'f.json')).toThrow(
      /f\.json is not a coldtrail provenance bundle: its format is "x"/,
    );
    expect(() => parseBundle(new TextEncoder().encode('{'), 'f.json')).toThrow(/not UTF-8 JSON/);
    const b = structuredClone(bundle) as unknown as { readings: { record: Record<string, unknown> }[] };
    (b.readings[0] as { record: Record<string, unknown> }).record.value = 'warm';
    expect(() => parseBundle(bytes(b), 'f.json')).toThrow(
      /readings\.0\.record: value must be a finite number/,
    );
  });

  it('is refused on a Fabric data dir: bundles need the embedded ledger for now', async () => {
    const fabricDir = mkdtempSync(join(tmpdir(), 'coldtrail-bundle-fabric-'));
    try {
      recordLedgerSelection(fabricDir, {
        ledger: 'fabric',
        fabricConnection: join(fabricDir, 'connection.json'),
      });
      await expect(buildProvenanceBundle({ dataDir: fabricDir }, BUNDLE_SSCC)).rejects.toThrow(
        /bundles need the embedded ledger for now/,
      );
    } finally {
      rmSync(fabricDir, { recursive: true, force: true });
    }
  });
});
