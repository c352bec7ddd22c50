import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isColdtrailError, notBefore } from '@coldtrail/core';
import { ptySupport } from '@coldtrail/firmware-sim';
import {
  type LedgerCheckpoint,
  openQuery,
  type ProvenanceReport,
  silentLog,
  start as startLedgerSync,
} from '@coldtrail/ledger-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutLedgerTail, hashTree } from './data-dir-kit.js';
import { json, runCli } from './run-cli.js';
import { type DbFile, editOne, type Mutation, prng, TABLES, truncate } from './tamper-kit.js';

/**
 * Trust holes of a completed shipment (issue 5), reproduced with real processes and edits of the files at
 * rest: an excursion left off the ledger by someone holding the org's key, a ledger cut short, an empty or
 * missing ledger, reads that wrote, a missing node certificate, and a random sample of edits over every table.
 */
const serial = ptySupport().available ? 'pty' : 'in-process';
const DEVICE = 'probe-0001';
const ORG = 'ColdtrailDemoMSP';

const root = mkdtempSync(join(tmpdir(), 'coldtrail-trust-'));
const dataDir = join(root, 'data');
let report: ProvenanceReport;
let checkpointFile: string;
let checkpoint: LedgerCheckpoint;

beforeAll(async () => {
  const r = await runCli(['demo', '--data-dir', dataDir, '--json', '--serial', serial, '--speed', '2880']);
  expect(r.code, r.stderr).toBe(0);
  report = json<{ provenance: ProvenanceReport }>(r).provenance;
  // Under the shipped 2-8C profile: the hour above 8 °C as instant, single-event and cumulative; the spike instant.
  expect(report.excursions).toHaveLength(4);
  checkpointFile = join(root, 'checkpoint.json');
  const e = await runCli(['ledger', 'export-tip', '--data-dir', dataDir, '--out', checkpointFile]);
  expect(e.code, e.stderr).toBe(0);
  checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8')) as LedgerCheckpoint;
}, 180_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

let copies = 0;
const copy = () => {
  const dir = join(root, `copy-${++copies}`);
  cpSync(dataDir, dir, { recursive: true });
  return dir;
};
const ledgerFile = (dir: string) => join(dir, 'ledger-sync', 'ledger.sqlite');
const provenanceOf = async (dir: string, ...extra: string[]) => {
  const r = await runCli(['provenance', report.sscc, '--data-dir', dir, '--json', ...extra]);
  return { code: r.code, stderr: r.stderr, report: r.stdout ? json<ProvenanceReport>(r) : undefined };
};
const failing = (r: ProvenanceReport | undefined) =>
  r?.verification.checks.filter((c) => !c.ok).map((c) => c.name) ?? [];
const check = (r: ProvenanceReport | undefined, name: string) =>
  r?.verification.checks.find((c) => c.name === name);

describe('reads write nothing', () => {
  it('provenance, ledger verify, export-tip and shipment list leave the data dir byte-for-byte unchanged', async () => {
    const before = hashTree(dataDir);
    expect(Object.keys(before).some((f) => f.endsWith('-wal') || f.endsWith('-shm'))).toBe(false);
    for (const args of [
      ['provenance', report.sscc, '--json'],
      ['provenance', report.sscc, '--expect-tip', checkpointFile],
      ['ledger', 'verify'],
      ['ledger', 'export-tip'],
      ['shipment', 'list', '--json'],
      ['reading', 'prove', report.device.id, String(report.anchors[0]?.fromSeq ?? 1), '--json'],
    ]) {
      const r = await runCli([...args, '--data-dir', dataDir]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(hashTree(dataDir), args.join(' ')).toEqual(before);
    }
  }, 90_000); // six CLI processes one after another: ~8 s alone, 30 s and more on a loaded 2-core machine

  it('a missing node certificate is reported by the reads and refused by a writer, never regenerated', async () => {
    const dir = copy();
    const node = join(dir, 'ledger-sync', 'ledger-keys', 'node');
    unlinkSync(join(node, 'cert.pem'));
    const keyBefore = readFileSync(join(node, 'key.pem'));
    const p = await provenanceOf(dir);
    expect(p.code).toBe(3);
    expect(check(p.report, 'ledger')?.detail).toMatch(/node certificate is missing/);
    const v = await runCli(['ledger', 'verify', '--data-dir', dir]);
    expect(v.code).toBe(3);
    const d = await runCli(['demo', '--data-dir', dir, '--serial', 'in-process', '--json']);
    expect(d.code, d.stderr).toBe(3);
    expect(d.stderr).toMatch(/lacks cert\.pem: .*Restore it from a backup/);
    expect(existsSync(join(node, 'cert.pem'))).toBe(false);
    expect(readFileSync(join(node, 'key.pem'))).toEqual(keyBefore);
  }, 60_000);
});

describe('an excursion cannot be left off', () => {
  it('a ledger written by someone holding the org key that completes without the excursion fails, naming it', async () => {
    // The attacker rebuilds the ledger from scratch (new node, same org name), anchors every reading honestly,
    // and completes the shipment with an empty excursion set. The readings still show the hour above 8 °C.
    const dir = copy();
    rmSync(ledgerFile(dir));
    rmSync(join(dir, 'ledger-sync', 'ledger-keys'), { recursive: true });
    const s = report.shipment;
    let now = Date.parse(s.createdAt);
    const clock = notBefore(0, { now: () => now, sleep: async () => {} });
    const ls = await startLedgerSync(
      { dataDir: join(dir, 'ledger-sync'), org: ORG, liveExcursions: false, resumeAnchoring: false },
      { log: silentLog, clock },
    );
    try {
      await ls.registerDevice({ id: DEVICE, publicKey: report.device.publicKey });
      const { sscc, device, origin, destination, product, profile, profileSpec, fromSeq } = s;
      expect(profileSpec, 'the demo shipment carries its profile').toBeDefined();
      await ls.createShipment({ sscc, device, origin, destination, product, profile, profileSpec, fromSeq });
      const toSeq = s.toSeq as number;
      now = Date.parse(s.completedAt as string);
      await ls.anchorPending(DEVICE, toSeq);
      await ls.ledger.completeShipment(sscc, toSeq, { excursions: [], reason: null });
    } finally {
      await ls.close();
    }
    const p = await provenanceOf(dir);
    expect(p.code).toBe(3);
    expect(failing(p.report)).toEqual(['excursions']);
    // The check names the first excursion missing and counts the others; the answer lists each.
    const named = report.excursions.find((e) =>
      check(p.report, 'excursions')?.detail.startsWith(`excursion ${e.id} (above 8 °C from ${e.start}`),
    );
    expect(named, check(p.report, 'excursions')?.detail).toBeDefined();
    expect(check(p.report, 'excursions')?.detail).toContain(`(and ${report.excursions.length - 1} more)`);
    expect(check(p.report, 'excursions')?.detail).toMatch(/shows in the readings but is not recorded/);
    expect(p.report?.excursions).toMatchObject(
      report.excursions.map((e) => ({ id: e.id, recorded: false, derived: true })),
    );
    const text = await runCli(['provenance', report.sscc, '--data-dir', dir]);
    expect(text.stdout).toContain('(NOT recorded on the ledger)');
    expect(text.stdout).toContain('Verification FAILED');
  }, 60_000);
});

describe('a shortened ledger', () => {
  it('a consistently cut tail replays intact, and fails against the checkpoint kept elsewhere', async () => {
    const dir = copy();
    cutLedgerTail(ledgerFile(dir), checkpoint.tip.number - 3);
    const plain = await runCli(['ledger', 'verify', '--data-dir', dir]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/single node cannot prove that no blocks were cut/);
    const against = await runCli(['ledger', 'verify', '--data-dir', dir, '--expect-tip', checkpointFile]);
    expect(against.code).toBe(3);
    expect(against.stderr).toMatch(
      /ends at block \d+ but block \d+ was expected: blocks were cut off its end/,
    );

    // The completion was cut off: without a tip the answer says it is in transit, and what it cannot prove.
    const open = await provenanceOf(dir);
    expect(open.code).toBe(0);
    expect(open.report?.shipment.status).toBe('in-transit');
    expect(check(open.report, 'tip')).toMatchObject({ ok: true, skipped: true });
    expect(open.report?.limits).toContain(check(open.report, 'tip')?.detail);
    const cut = await provenanceOf(dir, '--expect-tip', checkpointFile);
    expect(cut.code).toBe(3);
    expect(failing(cut.report)).toEqual(['tip']);
    const tip = `${checkpoint.tip.number}:${checkpoint.tip.hash}`;
    expect((await provenanceOf(dir, '--expect-tip', tip)).code).toBe(3);
    expect((await provenanceOf(dataDir, '--expect-tip', tip)).code).toBe(0);
  }, 60_000);

  it('a checkpoint that was edited, or comes from another ledger, is refused', async () => {
    const edited = join(root, 'edited.json');
    writeFileSync(
      edited,
      JSON.stringify({ ...checkpoint, tip: { ...checkpoint.tip, number: checkpoint.tip.number + 5 } }),
    );
    const r = await runCli(['provenance', report.sscc, '--data-dir', dataDir, '--expect-tip', edited]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a valid ledger checkpoint: .*signature does not verify/);
    // Another node's checkpoint: the same ledger rebuilt under a new node identity does not reach "its" tip.
    const other = copy();
    rmSync(join(other, 'ledger-sync', 'ledger-keys', 'node'), { recursive: true });
    rmSync(ledgerFile(other));
    const ls = await startLedgerSync({ dataDir: join(other, 'ledger-sync'), org: ORG }, { log: silentLog });
    await ls.registerDevice({ id: DEVICE, publicKey: report.device.publicKey });
    await ls.close();
    const foreign = await runCli(['ledger', 'verify', '--data-dir', other, '--expect-tip', checkpointFile]);
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toMatch(
      /checkpoint was signed by node .*it is another ledger, or its node identity was replaced/,
    );
  }, 60_000);

  it('an empty or missing ledger is not a ledger (exit 3), never "intact"', async () => {
    const empty = copy();
    writeFileSync(ledgerFile(empty), '');
    const gone = copy();
    rmSync(ledgerFile(gone));
    for (const dir of [empty, gone]) {
      const v = await runCli(['ledger', 'verify', '--data-dir', dir]);
      expect(v.code, v.stderr).toBe(3);
      expect(v.stderr).toMatch(/not a coldtrail ledger|no ledger at .*: it is missing/);
      expect(v.stdout).not.toMatch(/intact/);
      const p = await runCli(['provenance', report.sscc, '--data-dir', dir]);
      expect(p.code, p.stderr).toBe(3);
    }
    expect(readFileSync(ledgerFile(empty))).toHaveLength(0); // the reads did not make it a new ledger
  }, 60_000);
});

describe('a random sample of edits at rest over every table of both databases', () => {
  const seed = Number(process.env.COLDTRAIL_TAMPER_SEED ?? 20261201);
  // What the answer does not rest on: the store's own bookkeeping, which the verifier re-derives instead
  // (head rows, its copy of the anchors, its evaluations, the refusal log, when a batch arrived). Editing
  // these cannot change a completed shipment's answer; anything else must be detected.
  const notEvidence = (m: Mutation) =>
    m.file === 'readings.db' &&
    (['heads', 'anchors', 'evaluations', 'refusals'].includes(m.table) ||
      (m.table === 'batches' && m.what === 'edit received_at'));

  it(`is detected by provenance, or leaves its answer exactly as it was (seed ${seed})`, async () => {
    const rnd = prng(seed);
    const answer = (r: ProvenanceReport) => JSON.stringify(r);
    const untouched = answer(await query(dataDir));
    const results: { m: Mutation; outcome: 'detected' | 'same answer' }[] = [];
    for (const file of Object.keys(TABLES) as DbFile[]) {
      for (const table of Object.keys(TABLES[file])) {
        for (let i = 0; i < 5; i++) {
          const dir = copy();
          const m = i < 4 ? editOne(dir, file, table, rnd) : truncate(dir, file, table, DEVICE);
          if (!m) {
            rmSync(dir, { recursive: true, force: true });
            continue; // an empty table (no refusals in a clean run)
          }
          const r = await query(dir).catch((err: unknown) => err);
          if (r instanceof Error && !isColdtrailError(r)) throw r;
          const detected = isColdtrailError(r) || !(r as ProvenanceReport).verification.ok;
          const outcome = detected ? 'detected' : 'same answer';
          results.push({ m, outcome });
          rmSync(dir, { recursive: true, force: true });
          if (!detected) {
            expect(answer(r as ProvenanceReport), `${m.file} ${m.table} ${m.what}: ${m.detail}`).toBe(
              untouched,
            );
            expect(notEvidence(m), `undetected: ${m.file} ${m.table} ${m.what} (${m.detail})`).toBe(true);
          }
        }
      }
    }
    const detected = results.filter((r) => r.outcome === 'detected').length;
    console.log(
      `tamper sample (seed ${seed}): ${results.length} edits, ${detected} detected, ${results.length - detected} with the same answer:\n` +
        results
          .filter((r) => r.outcome !== 'detected')
          .map((r) => `  ${r.m.file} ${r.m.table} ${r.m.what}: ${r.m.detail}`)
          .join('\n'),
    );
    expect(results.length).toBeGreaterThanOrEqual(40);
    // Every table that is evidence was edited and truncated, and every such edit was caught.
    for (const file of Object.keys(TABLES) as DbFile[]) {
      for (const table of Object.keys(TABLES[file])) {
        const mine = results.filter((r) => r.m.file === file && r.m.table === table);
        if (table !== 'refusals') expect(mine.length, `${file} ${table}`).toBeGreaterThanOrEqual(5);
        if (!notEvidence({ file, table, what: 'truncate', detail: '' })) {
          expect(
            mine.every((r) => r.outcome === 'detected'),
            `${file} ${table}`,
          ).toBe(true);
        }
      }
    }
  }, 180_000);

  /** provenance in this process, through the same read-only face as the CLI, with the checkpoint kept elsewhere. */
  async function query(dir: string): Promise<ProvenanceReport> {
    const q = await openQuery({ dataDir: join(dir, 'ledger-sync') });
    try {
      return await q.provenance(report.sscc, { expectTip: { checkpoint } });
    } finally {
      await q.close();
    }
  }
});
