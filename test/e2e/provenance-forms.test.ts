import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSubjectDataDir,
  CASE,
  GTIN,
  LOT,
  SSCC1,
  SSCC2,
} from '../../ledger-sync/src/subject-data-dir.test-kit.js';
import { hashTree, withDb } from './data-dir-kit.js';
import { json, runCli } from './run-cli.js';

// `coldtrail provenance <id>` for every GS1 form (issue 9), as a user runs it: a separate process on a data
// dir whose lot travelled declared in one pallet and inside a case in another.
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

async function dataDir(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'coldtrail-forms-'));
  mkdirSync(join(root, 'ledger-sync'));
  await buildSubjectDataDir(join(root, 'ledger-sync'));
  return root;
}

describe('coldtrail provenance <any GS1 identifier>', () => {
  let dir: string;
  const prov = (...args: string[]) => runCli(['provenance', ...args, '--data-dir', dir]);

  beforeAll(async () => {
    dir = await dataDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers an SSCC in each of its forms with the shipment report, shape unchanged', async () => {
    const plain = await prov(SSCC1, '--json');
    expect(plain.code, plain.stderr).toBe(0);
    const report = json(plain);
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['sscc', 'shipment', 'device', 'custody', 'range', 'readings', 'verification']),
    );
    expect(report).not.toHaveProperty('kind');
    expect(report.sscc).toBe(SSCC1);
    for (const form of [
      `(00)${SSCC1}`,
      'urn:epc:id:sscc:0614141.0000000001',
      `https://id.gs1.org/00/${SSCC1}`,
    ]) {
      const r = await prov(form, '--json');
      expect(r.code, `${form}: ${r.stderr}`).toBe(0);
      expect(json(r).sscc).toBe(SSCC1);
    }
  });

  it('answers a lot in each of its forms with one answer: both shipments, verified, with its recall scope', async () => {
    const forms = [
      [`(01)${GTIN}(10)${LOT}`],
      [GTIN, '--lot', LOT],
      [`https://brand.example/p/01/${GTIN}/10/${LOT}?17=270630`],
      [`urn:epc:class:lgtin:0614141.010734.${LOT}`],
    ];
    const answers = [];
    for (const f of forms) {
      const r = await prov(...f, '--json');
      expect(r.code, `${f.join(' ')}: ${r.stderr}`).toBe(0);
      answers.push(json(r));
    }
    for (const a of answers) expect(a).toEqual(answers[0]);
    const a = answers[0] as {
      kind: string;
      shipments: { sscc: string; path: string[] }[];
      recallScope: { ssccs: { sscc: string }[]; custodians: string[] };
      verification: { ok: boolean };
    };
    expect(a.kind).toBe('lot');
    expect(a.shipments.map((s) => s.path)).toEqual([[SSCC1], [CASE, SSCC2]]);
    expect(a.recallScope.ssccs.map((s) => s.sscc).sort()).toEqual([CASE, SSCC1, SSCC2].sort());
    expect(a.verification.ok).toBe(true);

    const text = await prov(`(01)${GTIN}(10)${LOT}`);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Lot ${LOT} of GTIN ${GTIN}`);
    expect(text.stdout).toMatch(/Verification OK: 2 shipment\(s\), 2 verified/);
    expect(text.stdout).toMatch(/Disposition {2}released/);
    expect(text.stdout).toMatch(/Stability {4}108\.0 min left of 120 min/);
    expect(text.stdout).toContain('Recall scope');
    expect(text.stdout).toContain(`inside ${CASE}`);
  });

  it('answers an SGTIN in each of its forms, and reads leave the data dir byte-for-byte as it was', async () => {
    const before = hashTree(dir);
    for (const form of [
      `(01)${GTIN}(21)SN-003`,
      'urn:epc:id:sgtin:0614141.010734.SN-003',
      `https://id.gs1.org/01/${GTIN}/21/SN-003`,
    ]) {
      const r = await prov(form, '--json');
      expect(r.code, `${form}: ${r.stderr}`).toBe(0);
      const a = json<{ kind: string; subject: unknown; shipments: { sscc: string }[] }>(r);
      expect(a.kind).toBe('sgtin');
      expect(a.subject).toEqual({ kind: 'sgtin', gtin: GTIN, serial: 'SN-003' });
      expect(a.shipments.map((s) => s.sscc)).toEqual([SSCC2]);
    }
    const text = await prov(`(01)${GTIN}(21)SN-001`);
    expect(text.stdout).toContain(`SGTIN ${GTIN} serial SN-001`);
    expect(text.stdout).toContain('declared in its contents (serial SN-001)');
    expect(hashTree(dir)).toEqual(before);
  });

  it('an SGTIN or lot no shipment carried is "not found" (exit 4)', async () => {
    const r = await prov(`(01)${GTIN}(21)SN-999`);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`no shipment on this ledger carried SGTIN ${GTIN} serial SN-999`);
    noStack(r.stderr);
  });

  it.each([
    ['(01)00614141107347(21)SN-001', 'GTIN check digit is 7, expected 6'],
    ['006141410000000013', 'SSCC check digit is 3, expected 2'],
    [`https://id.gs1.org/01/${GTIN}/10/lot%231`, 'the lot (AI 10) contains "#"'],
    [
      'hello',
      'unknown form: expected an SSCC, urn:epc:id:sgtin:..., (01)..(21).., (01)..(10).. or a GS1 Digital Link URI',
    ],
    [GTIN, 'a GTIN alone names a product'],
  ])('refuses %s with what is wrong (exit 2, no stack)', async (id, message) => {
    const r = await prov(id);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    noStack(r.stderr);
  });

  it('refuses --lot beside an identifier that is no GTIN alone', async () => {
    const r = await prov(SSCC1, '--lot', LOT);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a separate lot goes with a GTIN alone; this is an SSCC');
  });
});

describe('coldtrail provenance of a lot with one shipment tampered', () => {
  it('exits 3 and names the shipment and the failed check', async () => {
    const dir = await dataDir();
    try {
      withDb(join(dir, 'ledger-sync', 'readings.db'), (db) =>
        db.prepare("UPDATE readings SET value = value + 10 WHERE device = 'dev-2' AND seq = 7").run(),
      );
      const r = await runCli(['provenance', `(01)${GTIN}(10)${LOT}`, '--data-dir', dir]);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/Verification FAILED: 2 shipment\(s\), 1 verified/);
      expect(r.stdout).toMatch(new RegExp(`FAIL {2}${SSCC2}: .*hash-chain`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
