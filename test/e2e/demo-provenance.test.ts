import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSscc, verifyInclusion } from '@coldtrail/core';
import { expectedEvents, loadScenario, ptySupport } from '@coldtrail/firmware-sim';
import type { ProvenanceReport } from '@coldtrail/ledger-sync';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli } from './run-cli.js';

/**
 * The end-to-end check: the demo's path (probe firmware on a serial link -> agent -> MQTT broker ->
 * ingest -> ledger), then `provenance` in a separate process, then plain-SQL edits to the files at rest.
 * On CI the serial link is a real socat PTY pair (required there); elsewhere PTY when socat is installed.
 */
const serial = ptySupport().available ? 'pty' : 'in-process';
const SAMPLE_MS = 60_000;

interface DemoJson {
  shipment: string;
  readings: number;
  excursions: ProvenanceReport['excursions'];
  verified: ProvenanceReport['verification'];
  simulation: { start: string; end: string; serial: string };
  provenance: ProvenanceReport;
}

const root = mkdtempSync(join(tmpdir(), 'coldtrail-e2e-'));
const dataDir = join(root, 'data');
let demo: DemoJson;

beforeAll(async () => {
  // 720x (half the demo's default): a sample every 83 ms of wall time leaves headroom for a loaded CI
  // machine, so no sample near an event edge is skipped and the one-period tolerance below holds.
  const r = await runCli(['demo', '--data-dir', dataDir, '--json', '--serial', serial, '--speed', '720']);
  expect(r.code, r.stderr).toBe(0);
  demo = json<DemoJson>(r);
}, 180_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const failing = (v: ProvenanceReport['verification']) => v.checks.filter((c) => !c.ok).map((c) => c.name);

describe(`demo -> provenance over a ${serial} serial link`, () => {
  it('reports a verified shipment with the readings the ingest stored', () => {
    expect(isSscc(demo.shipment)).toBe(true);
    expect(demo.simulation.serial).toBe(serial);
    const r = demo.provenance.readings;
    expect(demo.readings).toBe(r.temperature + r.humidity);
    // 12 h at one sample a minute, minus the faults and the few minutes ledger start-up takes.
    expect(r.temperature).toBeGreaterThan(680);
    expect(r.faults).toBeGreaterThanOrEqual(3);
    expect(demo.verified.ok).toBe(true);
    expect(demo.verified.checks.map((c) => c.name).sort()).toEqual([
      'anchors',
      'custody',
      'excursions',
      'hash-chain',
      'ledger',
      'range',
      'signatures',
      'tip',
    ]);
  });

  it('judges the trip by the shipped 2-8C profile: the excursion is one single-event, the short spike only an instant alarm', async () => {
    const scenario = await loadScenario();
    const [excursion, spike] = expectedEvents(scenario, Date.parse(demo.simulation.start));
    expect(excursion?.name).toBe('excursion');
    expect(spike?.name).toBe('spike');
    // Within one sample period of the scenario's time (two for when an alarm triggers: a line fault at the
    // edge of the excursion moves its first or last sample by one period).
    const near = (iso: string | undefined, ms: number, what: string, periods = 1) =>
      expect(
        Math.abs(Date.parse(iso ?? '') - ms),
        `${what}: ${iso} vs ${new Date(ms).toISOString()}`,
      ).toBeLessThanOrEqual(periods * SAMPLE_MS);
    const of = (rule: string) => demo.excursions.filter((e) => e.rule === rule);
    // single-event (30 min): the 60-min excursion only; the 10-min spike stays below the delay.
    expect(of('single-event')).toHaveLength(1);
    const found = of('single-event')[0]!;
    expect(found).toMatchObject({ direction: 'above', zone: 'high', sensor: 'probe-1', limitC: 8 });
    near(found.start, excursion!.start, 'single-event start');
    near(found.end, excursion!.end, 'single-event end');
    near(found.triggeredAt, excursion!.start + 30 * 60_000, 'single-event trigger', 2);
    expect(found.maxValue).toBeGreaterThan(8);
    expect(found.maxValue).toBeLessThanOrEqual(excursion!.maxValue);
    expect(found.start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // instant: both the excursion and the spike, each at its first sample above 8 °C.
    const instants = of('instant');
    expect(instants).toHaveLength(2);
    near(instants[0]?.start, excursion!.start, 'first instant');
    near(instants[1]?.start, spike!.start, 'second instant');
    // cumulative (60 min over the trip, never reset): the hour above 8 °C uses the budget up about at its end
    // or, when its samples above 8 °C add up to a minute less, the spike does.
    const [total] = of('cumulative');
    expect(of('cumulative')).toHaveLength(1);
    near(total?.start, excursion!.start, 'cumulative start');
    const trigger = Date.parse(total?.triggeredAt ?? '');
    expect(trigger).toBeGreaterThanOrEqual(excursion!.start + 60 * 60_000 - 2 * SAMPLE_MS);
    expect(trigger).toBeLessThanOrEqual(spike!.end + SAMPLE_MS);
    expect(total?.durationMinutes).toBeGreaterThanOrEqual(60);
    expect(demo.excursions).toHaveLength(4);
  });

  it('provenance in a separate process agrees with the demo', async () => {
    const r = await runCli(['provenance', demo.shipment, '--data-dir', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = json<ProvenanceReport>(r);
    expect(report.sscc).toBe(demo.shipment);
    expect(report.readings.temperature + report.readings.humidity).toBe(demo.readings);
    expect(report.excursions).toEqual(demo.excursions);
    expect(report.verification.ok).toBe(true);
    const text = await runCli(['provenance', demo.shipment, '--data-dir', dataDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Verification OK');
  });

  it('reading prove gives a reading with an inclusion proof that core alone checks against the anchor root', async () => {
    const report = json<ProvenanceReport>(
      await runCli(['provenance', demo.shipment, '--data-dir', dataDir, '--json']),
    );
    const [anchor] = report.anchors;
    expect(anchor, 'the demo anchored its readings').toBeDefined();
    const seq = (anchor as { fromSeq: number }).fromSeq + 1;
    const r = await runCli([
      'reading',
      'prove',
      report.device.id,
      String(seq),
      '--data-dir',
      dataDir,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const proof = json<{
      seq: number;
      hash: string;
      index: number;
      size: number;
      path: string[];
      anchor: { root: string };
      included: boolean;
      ledger: { ok: boolean };
    }>(r);
    expect(proof.seq).toBe(seq);
    expect(proof.included && proof.ledger.ok).toBe(true);
    expect(verifyInclusion(proof.hash, proof.index, proof.size, proof.path, proof.anchor.root)).toBe(true);
    expect(verifyInclusion(proof.hash, proof.index, proof.size, proof.path, 'f'.repeat(64))).toBe(false);
    const bad = await runCli(['reading', 'prove', report.device.id, 'x', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SEQ must be/);
    const none = await runCli(['reading', 'prove', report.device.id, '999999', '--data-dir', dataDir]);
    expect(none.code).toBe(4);
  });

  it('ledger verify passes on the untouched data', async () => {
    const r = await runCli(['ledger', 'verify', '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ledger intact: \d+ blocks/);
  });

  describe('plain-SQL edits to the files at rest', () => {
    const copy = (name: string) => {
      const dir = join(root, name);
      cpSync(dataDir, dir, { recursive: true });
      return dir;
    };
    const provenanceOf = async (dir: string) => {
      const r = await runCli(['provenance', demo.shipment, '--data-dir', dir, '--json']);
      return { code: r.code, report: json<ProvenanceReport>(r) };
    };

    it('an untouched copy verifies', async () => {
      const { code, report } = await provenanceOf(copy('untouched'));
      expect(code).toBe(0);
      expect(report.verification.ok).toBe(true);
    });

    it('one changed reading value fails the hash-chain check, naming the record', async () => {
      const dir = copy('reading');
      const db = new Database(join(dir, 'ledger-sync', 'readings.db'));
      const row = db
        .prepare(
          "SELECT seq FROM readings WHERE kind = 'temperature' AND seq > ? ORDER BY seq LIMIT 1 OFFSET 100",
        )
        .get(demo.provenance.range.fromSeq) as { seq: number };
      db.prepare('UPDATE readings SET value = value - 3 WHERE seq = ?').run(row.seq);
      db.close();
      const { code, report } = await provenanceOf(dir);
      expect(code).toBe(3);
      expect(report.verification.ok).toBe(false);
      expect(failing(report.verification)).toContain('hash-chain');
      const check = report.verification.checks.find((c) => c.name === 'hash-chain')!;
      expect(check.detail).toContain(`#${row.seq}`);
      expect((await runCli(['ledger', 'verify', '--data-dir', dir])).code).toBe(0);
    });

    it('one changed anchor root fails the anchors check, and ledger verify', async () => {
      const dir = copy('anchor');
      const db = new Database(join(dir, 'ledger-sync', 'ledger.sqlite'));
      const row = db
        .prepare("SELECT key, CAST(value AS TEXT) AS v FROM state WHERE instr(key, 'anchor') > 0 LIMIT 1")
        .get() as {
        key: Buffer;
        v: string;
      };
      const anchor = JSON.parse(row.v) as { root: string };
      const forged = row.v.replace(anchor.root, 'f'.repeat(64));
      db.prepare('UPDATE state SET value = CAST(? AS BLOB) WHERE key = ?').run(forged, row.key);
      db.close();
      const { code, report } = await provenanceOf(dir);
      expect(code).toBe(3);
      expect(failing(report.verification)).toContain('anchors');
      const lv = await runCli(['ledger', 'verify', '--data-dir', dir]);
      expect(lv.code).toBe(3);
      expect(lv.stderr).toMatch(/ledger BROKEN: .*block \d+/);
    });

    it('one changed block fails the ledger check, and ledger verify names the block', async () => {
      const dir = copy('block');
      const db = new Database(join(dir, 'ledger-sync', 'ledger.sqlite'));
      db.prepare("UPDATE blocks SET timestamp = '2020-01-01T00:00:00.000Z' WHERE number = 1").run();
      db.close();
      const { code, report } = await provenanceOf(dir);
      expect(code).toBe(3);
      expect(failing(report.verification)).toContain('ledger');
      const lv = await runCli(['ledger', 'verify', '--data-dir', dir]);
      expect(lv.code).toBe(3);
      expect(lv.stderr).toMatch(/block 1\b/);
    });
  });

  it('a second run on the same data directory adds a shipment and loses nothing of the first', async () => {
    const r = await runCli(['demo', '--data-dir', dataDir, '--json', '--serial', serial, '--speed', '2880']);
    expect(r.code, r.stderr).toBe(0);
    const second = json<DemoJson>(r);
    expect(second.shipment).not.toBe(demo.shipment);
    expect(second.verified.ok).toBe(true);
    expect(second.provenance.range.fromSeq).toBe(demo.provenance.range.toSeq + 1);
    const again = await runCli(['provenance', demo.shipment, '--data-dir', dataDir, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const first = json<ProvenanceReport>(again);
    expect(first.verification.ok).toBe(true);
    expect(first.readings).toEqual(demo.provenance.readings);
    expect(first.excursions).toEqual(demo.excursions);
  }, 180_000);
});
