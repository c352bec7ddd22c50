import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isColdtrailError, makeSscc, notBefore } from '@coldtrail/core';
import { ptySupport } from '@coldtrail/firmware-sim';
import { type ProvenanceReport, silentLog, start as startLedgerSync } from '@coldtrail/ledger-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutReadingsTail, startCli, withDb } from './data-dir-kit.js';
import { json, runCli } from './run-cli.js';

/**
 * Trust holes of a run that died (issue 5), with real processes: a demo killed with SIGKILL while its
 * shipment is in transit, after its excursion was found. What it leaves (a stale lock, no socat, no PTY
 * directory), what the ledger still refuses, what the verifier still catches, and how a user closes the
 * stranded shipment and goes on; two demos on one data dir; a failed start that strands nothing.
 */
const pty = ptySupport();
const serial = pty.available ? 'pty' : 'in-process';
const DEVICE = 'probe-0001';
const ORG = 'ColdtrailDemoMSP';

const root = mkdtempSync(join(tmpdir(), 'coldtrail-crash-'));
const dataDir = join(root, 'data');
let sscc: string;
let ptyDir: string | undefined;
/** The killed run's data dir, copied right after the kill (before anything closed the shipment). */
let killed: string;
let atKill: ProvenanceReport;

const provenanceOf = async (dir: string, id = sscc) => {
  const r = await runCli(['provenance', id, '--data-dir', dir, '--json']);
  return { code: r.code, stderr: r.stderr, report: r.stdout ? json<ProvenanceReport>(r) : undefined };
};
const check = (r: ProvenanceReport | undefined, name: string) =>
  r?.verification.checks.find((c) => c.name === name);
const socats = (dir: string) => {
  try {
    return execFileSync('pgrep', ['-f', `socat .*${dir}`], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
};

beforeAll(async () => {
  // 720x: the excursion (3 h in) is found ~18 s into the run, the trip ends at ~60 s; the kill comes between.
  const demo = startCli(['demo', '--data-dir', dataDir, '--serial', serial, '--speed', '720']);
  sscc = (await demo.waitFor(/shipment (\d{18}):/))[1] as string;
  if (serial === 'pty') ptyDir = dirname((await demo.waitFor(/probe on PTY (\S+)/))[1] as string);
  // Read beside the running writer until the ledger records the excursion (reads take no lock).
  for (;;) {
    const p = await provenanceOf(dataDir);
    if (p.report?.excursions.some((e) => e.recorded)) break;
    expect(p.report?.shipment.status ?? 'in-transit').toBe('in-transit');
    await new Promise((r) => setTimeout(r, 300));
  }
  demo.child.kill('SIGKILL');
  await demo.exited;
  killed = join(root, 'killed');
  cpSync(dataDir, killed, { recursive: true });
  atKill = (await provenanceOf(killed)).report as ProvenanceReport;
}, 180_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

let copies = 0;
const copyOfKilled = () => {
  const dir = join(root, `killed-${++copies}`);
  cpSync(killed, dir, { recursive: true });
  return dir;
};

describe('a demo killed with SIGKILL mid-trip', () => {
  it('leaves no socat and no PTY directory behind, and a lock whose process is gone', async () => {
    if (ptyDir) {
      await expect.poll(() => socats(ptyDir as string), { timeout: 5_000 }).toBe('');
      await expect.poll(() => existsSync(ptyDir as string), { timeout: 5_000 }).toBe(false);
    }
    const lock = JSON.parse(readFileSync(join(killed, 'coldtrail.lock'), 'utf8')) as { pid: number };
    expect(() => process.kill(lock.pid, 0)).toThrow(); // the holder is dead: the lock is stale
  });

  it('leaves its shipment in transit, found by shipment list --open, verified so far', async () => {
    const r = await runCli(['shipment', 'list', '--open', '--json', '--data-dir', killed]);
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ shipments: unknown[] }>(r).shipments).toEqual([
      expect.objectContaining({ sscc, device: DEVICE, status: 'in-transit' }),
    ]);
    expect(atKill.verification.ok).toBe(true);
    // What the readings showed at the kill: at least the instant alarm, recorded; the rest may still be running.
    expect(atKill.excursions.length).toBeGreaterThan(0);
    expect(atKill.excursions.some((e) => e.recorded)).toBe(true);
    for (const e of atKill.excursions) expect(e).toMatchObject({ derived: true, direction: 'above' });
    expect(atKill.limits.join('\n')).toMatch(/in transit/);
  });

  it('the ledger refuses a second open shipment on the device, and the demo says how to close the first', async () => {
    const dir = copyOfKilled();
    const r = await runCli(['demo', '--data-dir', dir, '--serial', 'in-process']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`shipment ${sscc} on ${DEVICE} is still in transit`);
    expect(r.stderr).toContain(`coldtrail shipment complete ${sscc} --data-dir ${dir}`);
    // Straight to the ledger, as the org: CONFLICT, and nothing changed.
    const ls = await startLedgerSync({ dataDir: join(dir, 'ledger-sync'), org: ORG }, { log: silentLog });
    try {
      const { device, origin, destination, product, profile } = atKill.shipment;
      const err = await ls
        .createShipment({
          sscc: makeSscc(0, '0614141', 9999),
          device,
          origin,
          destination,
          product,
          profile,
          fromSeq: atKill.range.toSeq + 1,
        })
        .catch((e: unknown) => e);
      expect(isColdtrailError(err, 'CONFLICT'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/still carries shipment \d{18}, which is in transit/);
    } finally {
      await ls.close();
    }
  }, 60_000);

  it('the org key cannot complete it without the excursion recorded in transit, nor date it before creation', async () => {
    const dir = copyOfKilled();
    // The demo ran on simulated time, ahead of the wall clock: act at a time after its last reading.
    const after = notBefore(Date.parse(atKill.readings.lastTs as string) + 1);
    const ls = await startLedgerSync(
      { dataDir: join(dir, 'ledger-sync'), org: ORG, liveExcursions: false },
      { log: silentLog, clock: after },
    );
    try {
      const toSeq = await ls.storedUpTo(DEVICE);
      await ls.anchorPending(DEVICE, toSeq);
      const dropped = await ls.ledger
        .completeShipment(sscc, toSeq, { excursions: [], reason: null })
        .catch((e: unknown) => e);
      expect(isColdtrailError(dropped, 'CONFLICT'), String(dropped)).toBe(true);
      expect((dropped as Error).message).toMatch(
        /is recorded for \d{18} but missing from the completion's excursion set/,
      );
    } finally {
      await ls.close();
    }
    const early = Date.parse(atKill.shipment.createdAt) - 3_600_000;
    const back = await startLedgerSync(
      { dataDir: join(dir, 'ledger-sync'), org: ORG },
      { log: silentLog, clock: { now: () => early, sleep: async () => {} } },
    );
    try {
      const err = await back.completeShipment(sscc).catch((e: unknown) => e);
      expect(isColdtrailError(err, 'INVALID_INPUT')).toBe(true);
      expect((err as Error).message).toMatch(/before the shipment's creation/);
    } finally {
      await back.close();
    }
  }, 60_000);

  it('deleting the readings that show the recorded excursion, with the head row, is caught', async () => {
    const dir = copyOfKilled();
    const readings = join(dir, 'ledger-sync', 'readings.db');
    const recorded = atKill.excursions.filter((e) => e.recorded);
    const excursion = recorded.reduce((a, b) => (Date.parse(a.start) <= Date.parse(b.start) ? a : b));
    const cut = withDb(readings, (db) => {
      const first = db
        .prepare("SELECT MIN(seq) AS seq FROM readings WHERE device = ? AND kind = 'temperature' AND ts >= ?")
        .get(DEVICE, excursion?.start) as { seq: number };
      return (
        db
          .prepare('SELECT from_seq AS f FROM batches WHERE device = ? AND from_seq <= ? AND to_seq >= ?')
          .get(DEVICE, first.seq, first.seq) as { f: number }
      ).f;
    });
    cutReadingsTail(readings, DEVICE, cut);
    const p = await provenanceOf(dir);
    expect(p.code).toBe(3);
    expect(check(p.report, 'excursions')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/is recorded on the ledger, but the stored readings do not show it/),
    });
    expect(p.report?.excursions).toMatchObject(
      recorded.map((e) => ({ id: e.id, recorded: true, derived: false })),
    );
  });
});

describe('closing the stranded shipment and going on', () => {
  let closed: ProvenanceReport;

  beforeAll(async () => {
    const r = await runCli([
      'shipment',
      'complete',
      sscc,
      '--data-dir',
      dataDir,
      '--reason',
      'demo killed by the test',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`shipment ${sscc} completed at #\\d+ .*\\d+ excursion\\(s\\), reason: demo killed`),
    );
    const p = await provenanceOf(dataDir);
    expect(p.code, p.stderr).toBe(0);
    closed = p.report as ProvenanceReport;
  }, 60_000);

  it('shipment complete took over the stale lock and closed it with what was stored, the reason on the ledger', async () => {
    const storedHead = withDb(
      join(dataDir, 'ledger-sync', 'readings.db'),
      (db) => db.prepare('SELECT seq FROM heads').get() as { seq: number },
    );
    expect(closed.shipment.status).toBe('completed');
    expect(closed.range).toEqual({ fromSeq: atKill.range.fromSeq, toSeq: storedHead.seq, complete: true });
    expect(closed.custody.at(-1)).toMatchObject({ action: 'completed', reason: 'demo killed by the test' });
    expect(closed.excursions.length).toBeGreaterThan(0);
    for (const e of closed.excursions) expect(e).toMatchObject({ recorded: true, derived: true });
    expect(existsSync(join(dataDir, 'coldtrail.lock'))).toBe(false);
    const again = await runCli(['shipment', 'complete', sscc, '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already completed/);
  });

  it('the next demo runs (a second one on the same dir is refused meanwhile) and the first shipment keeps its readings', async () => {
    const next = startCli(['demo', '--data-dir', dataDir, '--serial', serial, '--speed', '2880', '--json']);
    await next.waitFor(/shipment \d{18}:/);
    const second = await runCli(['demo', '--data-dir', dataDir, '--serial', 'in-process']);
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(new RegExp(`data dir ${dataDir} is in use by pid ${next.child.pid}`));
    expect(await next.exited, next.stderr()).toBe(0);
    const run = JSON.parse(next.stdout()) as { shipment: string; provenance: ProvenanceReport };
    expect(run.provenance.verification.ok).toBe(true);
    expect(run.provenance.range.fromSeq).toBeGreaterThan(closed.range.toSeq);
    const first = await provenanceOf(dataDir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.report?.range).toEqual(closed.range);
    expect(first.report?.readings).toEqual(closed.readings);
    expect(first.report?.excursions).toEqual(closed.excursions);
  }, 120_000);
});

describe('a failed start strands nothing', () => {
  it('a port already in use exits 5, leaves no shipment and no lock', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    const dir = join(root, 'port-taken');
    try {
      const r = await runCli([
        'demo',
        '--data-dir',
        dir,
        '--serial',
        'in-process',
        '--mqtt-port',
        String(port),
      ]);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toMatch(/already in use/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    const list = await runCli(['shipment', 'list', '--json', '--data-dir', dir]);
    expect(json<{ shipments: unknown[] }>(list).shipments).toEqual([]);
    expect(existsSync(join(dir, 'coldtrail.lock'))).toBe(false);
  }, 60_000);
});
