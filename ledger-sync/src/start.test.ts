import { join } from 'node:path';
import { isColdtrailError, makeSscc } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  batchOf,
  laneStream,
  ORG,
  PROFILE,
  payload,
  T0,
  type TestDevice,
  tempDir,
  testClock,
  testDevice,
} from './fixtures.test-kit.js';
import { silentLog } from './log.js';
import { type LedgerSyncHandle, start } from './start.js';

const SSCC = makeSscc(0, '3761234', 42);
const MIN = 60_000;
/** 3 h at 5 °C: one excursion above 8 °C for 60 min (minutes 60-119), a 10-min spike (150-159), 2 faults. */
const tempAt = (m: number) =>
  m === 20 || m === 170 ? null : m >= 60 && m < 120 ? 9.2 : m >= 150 && m < 160 ? 11 : 5;
const LAST = 360; // 180 minutes x (temperature or fault + humidity)
/** Just after the last of those readings (T0 + 179.5 min): when the shipment is completed. */
const AFTER = T0 + 180 * MIN;

describe('ledger-sync start(): ingest to verified provenance', () => {
  let dir: ReturnType<typeof tempDir>;
  let handle: LedgerSyncHandle;
  let device: TestDevice;
  const clock = testClock(T0 - MIN);
  const open = () => start({ dataDir: dir.path, org: ORG, anchorWindow: 64 }, { log: silentLog, clock });
  const edit = (file: string, sql: string) => {
    const db = new Database(join(dir.path, file));
    const changed = db.prepare(sql).run().changes;
    db.close();
    expect(changed).toBeGreaterThan(0);
  };
  const check = async (name: string) =>
    (await handle.provenance(SSCC)).verification.checks.find((c) => c.name === name);

  beforeEach(async () => {
    dir = tempDir();
    clock.set(T0 - MIN); // the shipment starts a minute before its first reading
    handle = await open();
    device = testDevice('dev-1');
    await handle.registerDevice({ id: device.id, publicKey: device.publicKey });
    const shipment = await handle.createShipment({
      sscc: SSCC,
      device: device.id,
      origin: 'Basel DC',
      destination: 'Zurich pharmacy',
      product: 'Vaccine X',
      profile: PROFILE,
    });
    expect(shipment.fromSeq).toBe(1);
    const lane = laneStream(device.id, tempAt);
    for (let sent = 0; sent < LAST; sent += 50) {
      const b = await batchOf(lane.next(Math.min(50, LAST - sent)), device.signer);
      expect((await handle.ingest.ingest(ORG, device.id, payload(b))).status).toBe('stored');
    }
    expect(await handle.waitForStored(device.id, LAST)).toBe(LAST);
    await handle.idle();
    clock.set(AFTER);
  });
  afterEach(async () => {
    await handle.close();
    dir.cleanup();
  });

  it('serves the broker ports and verifies an in-transit shipment', async () => {
    expect(await handle.directory.lookup(device.id)).toEqual({
      device: 'dev-1',
      org: ORG,
      publicKey: device.publicKey,
    });
    expect(await handle.directory.lookup('nobody')).toBeUndefined();
    await handle.idle();
    const report = await handle.provenance(SSCC);
    expect(report.range).toEqual({ fromSeq: 1, toSeq: LAST, complete: false });
    expect(report.verification.ok).toBe(true);
    expect(report.verification.checks.find((c) => c.name === 'anchors')?.detail).toMatch(
      /in transit, dev-1#321-360/,
    );
    // An open shipment never looks clean: the excursion is re-derived from what is stored, and it was recorded
    // on the ledger as soon as the readings showed it (so deleting them now would not hide it).
    expect(report.excursions).toEqual([
      expect.objectContaining({
        recorded: true,
        derived: true,
        direction: 'above',
        start: new Date(T0 + 60 * MIN).toISOString(),
        end: new Date(T0 + 120 * MIN).toISOString(),
      }),
    ]);
  });

  it('completes the shipment: anchors the last window, records the excursion, and proves it all', async () => {
    const done = await handle.completeShipment(SSCC, LAST);
    expect(done.shipment).toMatchObject({ status: 'completed', toSeq: LAST });
    expect(await handle.completeShipment(SSCC, LAST)).toMatchObject({ shipment: { toSeq: LAST } }); // idempotent
    const report = await handle.provenance(SSCC);
    expect(report.verification).toEqual({
      ok: true,
      checks: [
        expect.objectContaining({ name: 'signatures', ok: true }),
        expect.objectContaining({ name: 'hash-chain', ok: true }),
        expect.objectContaining({ name: 'anchors', ok: true }),
        expect.objectContaining({ name: 'range', ok: true }),
        expect.objectContaining({ name: 'custody', ok: true }),
        {
          name: 'excursions',
          ok: true,
          detail: '1 excursion(s) re-derived from the readings, exactly those recorded on the ledger',
        },
        { name: 'ledger', ok: true, detail: expect.stringMatching(/^block chain intact up to block \d+/) },
        { name: 'tip', ok: true, skipped: true, detail: expect.stringMatching(/tip is not attested/) },
      ],
    });
    expect(report.limits).toEqual([
      expect.stringMatching(/single node: its signing keys sit in its data directory/),
      expect.stringMatching(/tip is not attested/),
    ]);
    expect(report.readings).toEqual({
      count: 358,
      temperature: 178,
      humidity: 180,
      faults: 2,
      other: {},
      firstTs: new Date(T0).toISOString(),
      lastTs: new Date(T0 + 179 * MIN + 30_000).toISOString(),
      minTemperatureC: 5,
      maxTemperatureC: 11,
    });
    expect(report.excursions).toEqual([
      expect.objectContaining({
        recorded: true,
        direction: 'above',
        limitC: 8,
        start: new Date(T0 + 60 * MIN).toISOString(),
        end: new Date(T0 + 120 * MIN).toISOString(),
        durationMinutes: 60,
        maxValue: 9.2,
      }),
    ]);
    expect(report.anchors.map((a) => [a.fromSeq, a.toSeq])).toEqual([
      [1, 64],
      [65, 128],
      [129, 192],
      [193, 256],
      [257, 320],
      [321, 360],
    ]);
    expect(report.custody.map((c) => c.action)).toEqual(['created', 'completed']);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(await handle.stats()).toEqual({
      readings: LAST,
      batches: 8,
      refused: 0,
      devices: [{ device: 'dev-1', storedUpTo: LAST, anchoredUpTo: LAST }],
    });
  });

  it('completes mid-window while newer readings keep arriving and get anchored', async () => {
    const lane = laneStream(device.id, tempAt);
    lane.next(LAST);
    const more = await batchOf(lane.next(40), device.signer); // taken from the completion time on
    const [done] = await Promise.all([
      handle.completeShipment(SSCC, LAST),
      handle.ingest.ingest(ORG, device.id, payload(more)),
    ]);
    expect(done.shipment.toSeq).toBe(LAST);
    await handle.idle();
    // Which ran first (the new window or the completion's partial one) is up to timing; either way the
    // anchors stay contiguous and cover the shipment, and every full window gets anchored.
    const anchors = await handle.ledger.anchors(device.id, 1, 400);
    expect(anchors.every((a, i) => i === 0 || a.fromSeq === anchors[i - 1]!.toSeq + 1)).toBe(true);
    expect(anchors.at(-1)!.toSeq).toBeGreaterThanOrEqual(384);
    expect(400 - anchors.at(-1)!.toSeq).toBeLessThan(64);
    expect((await handle.provenance(SSCC)).verification.ok).toBe(true);
  });

  it('revokes a device only after anchoring what it stored: its batches are refused, its shipment completes', async () => {
    expect(await handle.ledger.anchoredUpTo(device.id)).toBe(320);
    expect(await handle.revokeDevice(device.id, 'stolen')).toMatchObject({
      status: 'revoked',
      reason: 'stolen',
    });
    expect(await handle.ledger.anchoredUpTo(device.id)).toBe(LAST);
    expect(await handle.directory.lookup(device.id)).toBeUndefined();
    const lane = laneStream(device.id, tempAt);
    lane.next(LAST);
    const late = await batchOf(lane.next(10), device.signer);
    expect((await handle.ingest.ingest(ORG, device.id, payload(late))).status).not.toBe('stored');
    const done = await handle.completeShipment(SSCC, LAST);
    expect(done.shipment).toMatchObject({ status: 'completed', toSeq: LAST });
    expect((await handle.provenance(SSCC)).verification.ok).toBe(true);
  });

  it('anchors at start what was stored but not anchored before a restart (unless told not to)', async () => {
    await handle.close();
    handle = await start(
      { dataDir: dir.path, org: ORG, anchorWindow: 100, resumeAnchoring: false },
      { log: silentLog, clock },
    );
    await handle.idle();
    expect(await handle.ledger.anchoredUpTo(device.id)).toBe(320); // nothing new written
    await handle.close();
    handle = await start({ dataDir: dir.path, org: ORG, anchorWindow: 20 }, { log: silentLog, clock });
    await handle.idle();
    expect(await handle.ledger.anchoredUpTo(device.id)).toBe(360);
  });

  it('lets a caller wait until readings are stored', async () => {
    const lane = laneStream(device.id, tempAt);
    lane.next(LAST);
    const waiting = handle.waitForStored(device.id, LAST + 10);
    const aborted = new AbortController();
    const never = handle.waitForStored(device.id, LAST + 99, aborted.signal);
    await handle.ingest.ingest(ORG, device.id, payload(await batchOf(lane.next(12), device.signer)));
    expect(await waiting).toBe(LAST + 12);
    aborted.abort(new Error('demo stopped'));
    await expect(never).rejects.toThrow('demo stopped');
  });

  it('adds a second shipment after a restart and keeps the first intact', async () => {
    await handle.completeShipment(SSCC, LAST);
    await handle.close();
    handle = await open();
    const second = makeSscc(0, '3761234', 43);
    const s2 = await handle.createShipment({
      sscc: second,
      device: device.id,
      origin: 'Zurich pharmacy',
      destination: 'Bern clinic',
      product: 'Vaccine X',
      profile: PROFILE,
    });
    expect(s2.fromSeq).toBe(LAST + 1);
    const lane = laneStream(device.id, tempAt); // the same device chain, continued
    lane.next(LAST);
    const b = await batchOf(lane.next(40), device.signer);
    expect((await handle.ingest.ingest(ORG, device.id, payload(b))).ack.storedUpTo).toBe(LAST + 40);
    clock.set(AFTER + 20 * MIN);
    await handle.completeShipment(second, LAST + 40);
    const [r1, r2] = await Promise.all([handle.provenance(SSCC), handle.provenance(second)]);
    expect([r1.verification.ok, r2.verification.ok]).toEqual([true, true]);
    expect(r1.excursions).toHaveLength(1);
    expect(r2).toMatchObject({
      range: { fromSeq: 361, toSeq: 400 },
      excursions: [],
      readings: { count: 40 },
    });
    const missing = await handle.provenance(makeSscc(0, '3761234', 44)).catch((e: unknown) => e);
    expect(isColdtrailError(missing, 'NOT_FOUND')).toBe(true);
  });

  it('in transit: readings cut from the store together with its head row show up as missing', async () => {
    await handle.idle(); // windows up to #320 are anchored on the ledger
    await handle.close();
    edit('readings.db', "DELETE FROM readings WHERE device = 'dev-1' AND seq > 200");
    edit('readings.db', "DELETE FROM batches WHERE device = 'dev-1' AND to_seq > 200");
    edit('readings.db', "UPDATE heads SET seq = 200 WHERE device = 'dev-1'");
    handle = await open();
    const report = await handle.provenance(SSCC);
    expect(report.range.toSeq).toBeGreaterThanOrEqual(320);
    expect(report.verification.ok).toBe(false);
    expect(await check('anchors')).toMatchObject({ ok: false });
  });

  it('a shipment deleted from the ledger state is a failed verification, not an unknown SSCC', async () => {
    await handle.completeShipment(SSCC, LAST);
    await handle.close();
    edit('ledger.sqlite', "DELETE FROM state WHERE instr(key, 'shipment') > 0");
    handle = await open();
    const err = await handle.provenance(SSCC).catch((e: unknown) => e);
    expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
    expect((err as Error).message).toMatch(/ledger failed verification/);
  });

  describe('after plain-SQL edits of the files at rest', () => {
    beforeEach(async () => {
      await handle.completeShipment(SSCC, LAST);
      await handle.close();
    });

    it('names an edited reading in the hash-chain check', async () => {
      edit('readings.db', "UPDATE readings SET value = 4.2 WHERE device = 'dev-1' AND seq = 201");
      handle = await open();
      const report = await handle.provenance(SSCC);
      expect(report.verification.ok).toBe(false);
      expect(report.verification.checks.find((c) => c.name === 'hash-chain')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^dev-1#201: /),
      });
      expect(await check('anchors')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^anchor dev-1#193-256/),
      });
      expect(await check('signatures')).toMatchObject({ ok: true });
      expect(await check('ledger')).toMatchObject({ ok: true });
    });

    it('fails the anchors and ledger checks on an edited anchor root', async () => {
      // Swap one anchor's root in the ledger's world state for another well-formed root.
      const db = new Database(join(dir.path, 'ledger.sqlite'));
      const rows = db.prepare('SELECT key, value FROM state').all() as { key: Buffer; value: Buffer }[];
      const row = rows.find(
        (r) => r.value.toString().includes('"fromSeq":65') && r.value.toString().includes('"root"'),
      );
      const value = JSON.parse(row!.value.toString()) as Record<string, unknown>;
      value.root = 'f'.repeat(64);
      db.prepare('UPDATE state SET value = ? WHERE key = ?').run(
        Buffer.from(JSON.stringify(value)),
        row!.key,
      );
      db.close();
      handle = await open();
      const report = await handle.provenance(SSCC);
      expect(report.verification.ok).toBe(false);
      expect(await check('anchors')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/^anchor dev-1#65-128: on-ledger root/),
      });
      expect(await check('hash-chain')).toMatchObject({ ok: true });
      expect(await check('ledger')).toMatchObject({ ok: false });
    });

    it('fails the ledger check on an edited block', async () => {
      edit('ledger.sqlite', "UPDATE blocks SET timestamp = '2000-01-01T00:00:00.000Z' WHERE number = 1");
      handle = await open();
      const report = await handle.provenance(SSCC);
      expect(report.verification.ok).toBe(false);
      expect(await check('ledger')).toMatchObject({ ok: false, detail: expect.stringMatching(/^block 1: /) });
      expect(await check('anchors')).toMatchObject({ ok: true });
    });
  });

  it('refuses to complete before the readings arrived, and reports bad config fully', async () => {
    const err = await handle.completeShipment(SSCC, LAST + 1).catch((e: unknown) => e);
    expect(isColdtrailError(err, 'CONFLICT')).toBe(true);
    const bad = await start({ dataDir: '', org: 'not an id', anchorWindow: 0 }).catch((e: unknown) => e);
    expect(isColdtrailError(bad, 'INVALID_CONFIG')).toBe(true);
    expect((bad as Error).message).toMatch(/dataDir: .*\n {2}org: .*\n {2}anchorWindow: /s);
    await handle.close();
    await handle.close();
  });
});
