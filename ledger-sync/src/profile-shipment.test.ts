import { makeSscc, parseProfile, profileSummary, type Sample } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExcursionAlarm } from './excursion-alarms.js';
import { AUTO_QUARANTINE_SIGNER } from './excursion-quarantine.js';
import {
  batchOf,
  ORG,
  payload,
  recordStream,
  T0,
  type TestDevice,
  tempDir,
  testClock,
  testDevice,
} from './fixtures.test-kit.js';
import { silentLog } from './log.js';
import { type LedgerSyncHandle, start } from './start.js';

// A shipment under a versioned profile, end to end through ledger-sync (issue 9): two probes, alarms of three
// kinds recorded while the shipment moves and announced to the listener, the final set at completion, MKT.
const SSCC = makeSscc(0, '3761234', 77);
const MIN = 60_000;
const SPEC = parseProfile({
  uri: 'https://coldtrail.dev/profiles/test-two-probes/v1',
  id: 'test-two-probes',
  version: 1,
  title: 'two probes, 2-8 °C',
  samplePeriodSeconds: 60,
  mkt: { windowHours: 1, limitC: 8 },
  zones: [
    {
      id: 'high',
      above: 8,
      alarms: [
        { kind: 'instant' },
        { kind: 'single-event', delayMinutes: 30 },
        { kind: 'cumulative', budgetMinutes: 45 },
      ],
    },
    { id: 'low', below: 2, alarms: [{ kind: 'single-event', delayMinutes: 30 }] },
  ],
});
/** Probe a: 60 min at 9.2 °C (minutes 60-119). Probe b, 30 s later each minute: 10 min at 11 °C (150-159). */
const tempA = (m: number) => (m >= 60 && m < 120 ? 9.2 : 5);
const tempB = (m: number) => (m >= 150 && m < 160 ? 11 : 5);
const LAST = 360; // 180 minutes x 2 probes
const sample = (seq: number): Sample => {
  const minute = Math.floor((seq - 1) / 2);
  return seq % 2 === 1
    ? { sensor: 'probe-a', kind: 'temperature', value: tempA(minute), unit: 'CEL' }
    : { sensor: 'probe-b', kind: 'temperature', value: tempB(minute), unit: 'CEL' };
};
const iso = (minute: number, second = 0) => new Date(T0 + minute * MIN + second * 1000).toISOString();

describe('a shipment under a versioned profile', () => {
  let dir: ReturnType<typeof tempDir>;
  let handle: LedgerSyncHandle;
  let device: TestDevice;
  let alarms: ExcursionAlarm[];
  const clock = testClock(T0 - MIN);

  beforeEach(async () => {
    dir = tempDir();
    alarms = [];
    clock.set(T0 - MIN);
    handle = await start(
      { dataDir: dir.path, org: ORG, anchorWindow: 64 },
      { log: silentLog, clock, onExcursion: (a) => void alarms.push(a) },
    );
    device = testDevice('dev-1');
    await handle.registerDevice({ id: device.id, publicKey: device.publicKey });
    await handle.createShipment({
      sscc: SSCC,
      device: device.id,
      origin: 'Basel DC',
      destination: 'Zurich pharmacy',
      product: 'Vaccine X',
      profile: profileSummary(SPEC),
      profileSpec: SPEC,
    });
    const stream = recordStream(device.id, sample, 30_000);
    for (let sent = 0; sent < LAST; sent += 40) {
      const b = await batchOf(stream.next(Math.min(40, LAST - sent)), device.signer);
      expect((await handle.ingest.ingest(ORG, device.id, payload(b))).status).toBe('stored');
      await handle.idle(); // let the live evaluation of each batch run, as it would between real batches
    }
    clock.set(T0 + 181 * MIN);
  });
  afterEach(async () => {
    await handle.close();
    dir.cleanup();
  });

  it('records each probe’s excursions under their own ids while in transit, and announces them', async () => {
    const report = await handle.provenance(SSCC);
    expect(report.verification.ok).toBe(true);
    const ids = report.excursions.map((e) => [e.id, e.recorded]);
    expect(ids).toEqual([
      [`${SSCC}:probe-a:high:cumulative:${T0 + 60 * MIN}`, true],
      [`${SSCC}:probe-a:high:instant:${T0 + 60 * MIN}`, true],
      [`${SSCC}:probe-a:high:single-event:${T0 + 60 * MIN}`, true],
      [`${SSCC}:probe-b:high:instant:${T0 + 150 * MIN + 30_000}`, true],
    ]);
    const cumulative = report.excursions[0];
    expect(cumulative).toMatchObject({
      sensor: 'probe-a',
      zone: 'high',
      measure: 'temperature',
      rule: 'cumulative',
      start: iso(60),
      end: iso(120),
      triggeredAt: iso(105),
      durationMinutes: 60,
      maxValue: 9.2,
      inclusive: false,
      gapMinutes: 0,
    });
    expect(report.excursions[2]).toMatchObject({ rule: 'single-event', triggeredAt: iso(90) });
    // Every excursion the ledger holds was announced, first as raised; a running one may have grown since.
    const raised = alarms.filter((a) => a.event === 'raised').map((a) => a.excursion.id);
    expect(raised.sort()).toEqual(ids.map(([id]) => id).sort());
    for (const a of alarms) expect(a.shipment.sscc).toBe(SSCC);
    expect(alarms.some((a) => a.event === 'grown')).toBe(true);
  });

  it('puts the shipment in quarantine at its first alarm, once, naming the excursion', async () => {
    const subject = JSON.stringify({ sscc: SSCC });
    const read = async (fn: string, ...args: string[]) =>
      JSON.parse(new TextDecoder().decode(await handle.port.evaluate(fn, args)));
    // The quarantine follows the alarm in the background (the excursion itself is already on the ledger).
    const current = await vi.waitFor(async () => {
      const c = await read('GetDisposition', subject);
      expect(c).not.toBeNull();
      return c;
    });
    expect(current).toMatchObject({
      disposition: 'quarantined',
      cbvDisposition: expect.stringContaining('non_sellable'),
      signer: AUTO_QUARANTINE_SIGNER,
      seq: 1,
    });
    expect(current.reason).toContain(`excursion ${SSCC}:probe-a:high:`);
    // Four excursions, one quarantine: the trail keeps the first reason and nothing overwrote it.
    const trail = await read('GetDispositionTrail', subject, '10', '');
    expect(trail.records).toHaveLength(1);
    // provenance of the SSCC shows it.
    expect((await handle.provenance(SSCC)).disposition).toMatchObject({ disposition: 'quarantined', seq: 1 });
  });

  it('completes with the same set, verifies it, and reports MKT per probe and window beside it', async () => {
    const before = alarms.length;
    await handle.completeShipment(SSCC, LAST);
    expect(alarms.length).toBe(before); // nothing new at completion: all was recorded in transit
    const report = await handle.provenance(SSCC);
    expect(report.verification.checks.find((c) => c.name === 'excursions')).toEqual({
      name: 'excursions',
      ok: true,
      detail: '4 excursion(s) re-derived from the readings, exactly those recorded on the ledger',
    });
    expect(report.verification.ok).toBe(true);
    expect(report.rules).toEqual(SPEC);
    expect(report.mkt.sensors.map((s) => [s.sensor, s.samples, s.windows.length])).toEqual([
      ['probe-a', 180, 3],
      ['probe-b', 180, 3],
    ]);
    // Hour 2 of probe a sat at 9.2 °C the whole hour: its MKT is 9.2 and above the 8 °C limit.
    const a = report.mkt.sensors[0];
    expect(a?.windows[1]?.mktC).toBeCloseTo(9.2, 9);
    expect(a?.windows.map((w) => w.exceedsLimit)).toEqual([false, true, false]);
    // Probe b's 10 minutes at 11 °C raise its third hour's MKT but not above 8: the excursion is still there.
    const b = report.mkt.sensors[1];
    expect(b?.windows[2]?.mktC).toBeGreaterThan(5);
    expect(b?.windows[2]?.exceedsLimit).toBe(false);
    expect(report.excursions.some((e) => e.sensor === 'probe-b')).toBe(true);
    expect(report.mkt.exceeded).toBe(true);
  });
});
