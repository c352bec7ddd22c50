import { GENESIS_HASH, hashRecord, makeRecord, type ReadingRecord } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { downsample } from './trip-report-chart.js';
import { minuteSeries, T0, tripReport } from './trip-report-fixture.test-kit.js';
import { renderTripReport, seriesFromRecords } from './trip-report-html.js';

const HOSTILE = '<script>alert(1)</script>"\'&';
const generatedAt = new Date('2026-03-03T00:00:00.000Z');

describe('HTML trip report', () => {
  it('escapes every string from the ledger and devices: a <script> in an org or sensor id stays text', () => {
    const report = tripReport({ org: `Evil${HOSTILE}MSP`, sensor: `probe${HOSTILE}` });
    report.shipment.product = `<img src=x onerror=alert(2)>`;
    report.custody[1] = { ...report.custody[1]!, location: `"><script>alert(3)</script>` };
    const html = renderTripReport(report, [minuteSeries(240, `probe${HOSTILE}`)], { generatedAt });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('Evil&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;MSP');
    expect(html).toContain('probe&lt;script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    // Attributes too: the sensor id is in data-sensor and data-excursion, quoted and escaped.
    expect(html).toContain('data-sensor="probe&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"');
  });

  it('is self-contained: no external scripts, styles, fonts or images, and a CSP that forbids them', () => {
    const html = renderTripReport(tripReport(), [minuteSeries(240)], { generatedAt });
    expect(html).not.toMatch(
      /<script|<link|<img|@import|url\(|https?:\/\/(?!coldtrail\.dev\/profiles|www\.w3\.org\/2000\/svg)/i,
    );
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('draws both limits and shades the excursion over its time span, labelled as in the table', () => {
    const html = renderTripReport(tripReport(), [minuteSeries(240)], { generatedAt });
    expect(html.match(/<line class="limit"/g)).toHaveLength(2);
    expect(html).toContain('high &gt; 8 °C');
    expect(html).toContain('low &lt; 2 °C');
    const band =
      /<g class="excursion"[^>]*><title>[^<]*<\/title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(
        html,
      );
    expect(band).not.toBeNull();
    // Minutes 60-120 of a 0-239 series: a quarter of the plot width, starting a quarter in.
    const [x, width] = [Number(band?.[1]), Number(band?.[2])];
    const plot = 1000 - 56 - 16;
    expect(x).toBeCloseTo(56 + (60 / 239) * plot, 0);
    expect(width).toBeCloseTo((60 / 239) * plot, 0);
    expect(html).toMatch(
      /<td>E1<\/td><td>probe-1<\/td><td>high<\/td><td>single-event<\/td><td>above<\/td><td class="nw">&gt; 8 °C<\/td>/,
    );
  });

  it('shows the overall verdict, every check, MKT, the limits of the answer and the sign-off with its command', () => {
    const ok = renderTripReport(tripReport(), [minuteSeries(240)], { generatedAt });
    expect(ok).toContain('<span class="badge">VERIFIED</span>');
    expect(ok).toMatch(/<tr class="check-skipped"><td>tip<\/td><td class="state">skipped<\/td>/);
    expect(ok).toContain('5.71 °C');
    expect(ok).toContain('single-node ledger: its tip is not attested elsewhere');
    expect(ok).toContain('Reviewed by');
    expect(ok).toContain('<code class="cmd">coldtrail provenance 106141411234567897</code>');
    expect(ok).toContain('coldtrail verify &lt;bundle&gt;');
    expect(ok).toContain('https://coldtrail.dev/profiles/2-8c/v1');
    expect(ok).toContain('urn:epc:id:sgln:0614141.00002.0');
    const failed = renderTripReport(tripReport({ ok: false }), [], {
      generatedAt,
      command: 'coldtrail verify trip.bundle.json',
    });
    expect(failed).toContain('<span class="badge">FAILED</span>');
    expect(failed).toMatch(
      /<tr class="check-failed"><td>hash-chain<\/td><td class="state">failed<\/td><td>logger-7#17: hash does not match/,
    );
    expect(failed).toContain('coldtrail verify trip.bundle.json');
    expect(failed).not.toContain('<svg'); // no readings, no chart
  });

  it('renders a shipment created before profiles from its two legacy limits', () => {
    const report = tripReport();
    const { profileSpec: _p, ...legacy } = report.shipment;
    const { rules: _r, ...rest } = report;
    const html = renderTripReport({ ...rest, shipment: legacy } as typeof report, [minuteSeries(240)], {
      generatedAt,
    });
    expect(html).toContain('urn:coldtrail:profile:legacy:2-8C');
    expect(html.match(/<line class="limit"/g)).toHaveLength(2);
  });

  it('keeps a 30-day minute series (43,200 points) small, and its one-minute spike visible', () => {
    const series = minuteSeries(43_200);
    series.points[20_000] = { t: series.points[20_000]!.t, value: 14.2 };
    const html = renderTripReport(tripReport(), [series], { generatedAt });
    expect(html.length).toBeLessThan(400_000);
    const reduced = downsample(series.points);
    expect(reduced.length).toBeLessThanOrEqual(8_000);
    expect(Math.max(...reduced.map((p) => p.value))).toBe(14.2);
    expect(Math.min(...reduced.map((p) => p.value))).toBe(Math.min(...series.points.map((p) => p.value)));
  });

  it('builds one series per sensor and kind from stored records, skipping faults and other kinds', () => {
    let prev = GENESIS_HASH;
    const records: ReadingRecord[] = [];
    const samples = [
      { sensor: 'b', kind: 'temperature', value: 5, unit: 'CEL' },
      { sensor: 'a', kind: 'humidity', value: 40, unit: 'P1' },
      { sensor: 'b', kind: 'fault', fault: 'crc' },
      { sensor: 'b', kind: 'temperature', value: 6, unit: 'CEL' },
    ] as const;
    samples.forEach((s, i) => {
      const r = makeRecord('dev', i + 1, T0 + i * 1000, s, prev);
      prev = hashRecord(r);
      records.push(r);
    });
    expect(seriesFromRecords(records)).toEqual([
      { sensor: 'a', kind: 'humidity', points: [{ t: T0 + 1000, value: 40 }] },
      {
        sensor: 'b',
        kind: 'temperature',
        points: [
          { t: T0, value: 5 },
          { t: T0 + 3000, value: 6 },
        ],
      },
    ]);
  });
});
