import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { canonicalJson, makeSscc, parseProfile, profileSummary, type Sample } from '@coldtrail/core';
import {
  type LedgerSyncHandle,
  openEmbeddedLedger,
  type ProvenanceReport,
  silentLog,
  start,
} from '@coldtrail/ledger-sync';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  renderTripReport,
  seriesFromRecords,
  type TripSeries,
} from '../../cli/src/render/trip-report-html.js';
import {
  batchOf,
  ORG,
  payload,
  recordStream,
  T0,
  tempDir,
  testClock,
  testDevice,
} from '../../ledger-sync/src/fixtures.test-kit.js';

// The trip report in a real browser (issue 9 "Must hold": it renders, the chart shows the excursion, a
// screenshot is kept): a real shipment on the embedded ledger with an excursion, rendered, opened in headless
// Chromium with no network, measured, and photographed into test-artifacts/.
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const SSCC = makeSscc(0, '3761234', 91);
const MIN = 60_000;
const RECEIVER = 'ZurichPharmacyMSP';
const SPEC = parseProfile({
  uri: 'https://coldtrail.dev/profiles/test-trip-report/v1',
  id: 'test-trip-report',
  version: 1,
  title: 'Refrigerated medicines, 2-8 °C',
  samplePeriodSeconds: 60,
  mkt: { windowHours: 24, limitC: 8 },
  zones: [
    { id: 'high', above: 8, alarms: [{ kind: 'single-event', delayMinutes: 30 }] },
    { id: 'low', below: 2, alarms: [{ kind: 'single-event', delayMinutes: 30 }] },
    { id: 'humid', measure: 'humidity', above: 70, alarms: [{ kind: 'single-event', delayMinutes: 60 }] },
  ],
});
const MINUTES = 240;
/** Each minute: the temperature (9.6 °C from minute 70 to 124: one excursion), then humidity 30 s later. */
const sample = (seq: number): Sample => {
  const m = Math.floor((seq - 1) / 2);
  return seq % 2 === 1
    ? {
        sensor: 'probe-1',
        kind: 'temperature',
        value: m >= 70 && m < 125 ? 9.6 : 4.5 + Math.sin(m / 20),
        unit: 'CEL',
      }
    : { sensor: 'probe-1', kind: 'humidity', value: 45 + Math.cos(m / 30) * 5, unit: 'P1' };
};
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function realShipment(): Promise<{ report: ProvenanceReport; series: TripSeries[] }> {
  const dir = tempDir();
  const clock = testClock(T0 - MIN);
  let handle: LedgerSyncHandle | undefined;
  // The embedded ledger opened here, so a second org (the receiver) can accept the hand-over.
  const ledger = await openEmbeddedLedger({ path: join(dir.path, 'ledger'), clock });
  try {
    handle = await start(
      { dataDir: dir.path, org: ORG, anchorWindow: 64 },
      { log: silentLog, clock, ledger: ledger.port(ORG), verifyLedger: (o) => ledger.verify(o) },
    );
    const device = testDevice('logger-7');
    await handle.registerDevice({ id: 'logger-7', publicKey: device.publicKey });
    await handle.createShipment({
      sscc: SSCC,
      device: 'logger-7',
      origin: 'Basel DC <b>',
      destination: 'Zurich pharmacy',
      product: 'Vaccine X 10 x 0.5 ml',
      profile: profileSummary(SPEC),
      profileSpec: SPEC,
    });
    const stream = recordStream('logger-7', sample, 30_000);
    for (let sent = 0; sent < MINUTES * 2; sent += 60) {
      const b = await batchOf(stream.next(60), device.signer);
      expect((await handle.ingest.ingest(ORG, 'logger-7', payload(b))).status).toBe('stored');
      await handle.idle();
    }
    clock.set(T0 + (MINUTES + 1) * MIN);
    await handle.completeShipment(SSCC);
    // The hand-over at the destination, after the monitored leg closed (the contract allows it then).
    clock.set(T0 + (MINUTES + 5) * MIN);
    const args = (o: object) => [SSCC, canonicalJson(o)];
    await handle.port.submit(
      'OfferCustody',
      args({ to: RECEIVER, location: 'urn:epc:id:sgln:7612345.00010.dock-3' }),
    );
    clock.set(T0 + (MINUTES + 12) * MIN);
    await ledger
      .port(RECEIVER)
      .submit('AcceptCustody', args({ location: 'urn:epc:id:sgln:7612346.00001.0' }));
    const report = await handle.provenance(SSCC);
    return { report, series: seriesFromRecords(stream.all) };
  } finally {
    await handle?.close();
    await ledger.close();
    dir.cleanup();
  }
}

describe('HTML trip report in headless Chromium', () => {
  let browser: Browser;
  let html: string;
  let report: ProvenanceReport;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `this test needs Chromium at ${CHROMIUM} (Debian package "chromium"; .ci/run installs it)${process.env.CI === 'true' ? ' and CI=true: it must run here' : ''}`,
      );
    }
    const shipment = await realShipment();
    report = shipment.report;
    html = renderTripReport(report, shipment.series, {
      generatedAt: new Date(T0 + 300 * MIN),
      command: `coldtrail provenance ${SSCC}`,
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'trip-report.html'), html);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the shipment has the one excursion the chart must show, and verifies', () => {
    expect(report.verification.ok).toBe(true);
    expect(report.excursions.map((x) => [x.zone, x.rule, x.start])).toEqual([
      ['high', 'single-event', new Date(T0 + 70 * MIN).toISOString()],
    ]);
    expect(report.custody.map((c) => [c.action, c.org])).toEqual([
      ['created', ORG],
      ['completed', ORG],
      ['offered', ORG],
      ['accepted', RECEIVER],
    ]);
  });

  for (const view of [
    { name: 'desktop', width: 1280, height: 900 },
    { name: 'a4', width: 794, height: 1123 },
    { name: 'phone', width: 390, height: 844 },
  ]) {
    it(`renders at ${view.name} width with the excursion inside the plot, no errors and no network`, async () => {
      const page = await browser.newPage({ viewport: { width: view.width, height: view.height } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(html, { waitUntil: 'load' });

      await expect(page.locator('.badge').textContent()).resolves.toBe('VERIFIED');
      const plot = await page.locator('.chart-section.temperature .plot-area').boundingBox();
      const band = await page.locator('.chart-section.temperature .excursion rect').boundingBox();
      expect(plot).not.toBeNull();
      expect(band).not.toBeNull();
      if (!plot || !band) return;
      expect(band.width).toBeGreaterThan(1);
      expect(band.height).toBeGreaterThan(1);
      expect(band.x).toBeGreaterThanOrEqual(plot.x - 0.5);
      expect(band.x + band.width).toBeLessThanOrEqual(plot.x + plot.width + 0.5);
      expect(band.y).toBeGreaterThanOrEqual(plot.y - 0.5);
      expect(band.y + band.height).toBeLessThanOrEqual(plot.y + plot.height + 0.5);
      // The band starts where minute 70 of 240 lies on the time axis.
      const frac = (band.x - plot.x) / plot.width;
      expect(frac).toBeGreaterThan(0.25);
      expect(frac).toBeLessThan(0.33);
      await expect(page.locator('.chart-section.humidity .series').count()).resolves.toBe(1);
      // The hostile origin is text, not markup.
      await expect(page.locator('.facts').textContent()).resolves.toContain('Basel DC <b>');
      await expect(page.locator('.facts b').count()).resolves.toBe(0);
      await expect(page.locator('.timeline .step').count()).resolves.toBe(4);
      await expect(page.locator('.timeline').textContent()).resolves.toContain(
        'urn:epc:id:sgln:7612346.00001.0',
      );

      await page.screenshot({ path: join(ARTIFACTS, `trip-report-${view.name}.png`), fullPage: true });
      if (view.name === 'a4') await page.pdf({ path: join(ARTIFACTS, 'trip-report.pdf'), format: 'A4' });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    });
  }
});
