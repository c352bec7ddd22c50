/**
 * `coldtrail provenance <sscc> --format html` (issue 9): a shipment's trip report as ONE self-contained HTML
 * file (inline CSS and SVG; no script, font, image or network fetch, so it opens offline and cannot phone
 * home), laid out for a quality reviewer to print on A4 and sign: header, verification result, chart with the
 * profile's limits and excursions, custody timeline, excursion table, MKT, what the answer cannot prove, and a
 * signature block with the command that re-verifies it. Every string from the report came from the ledger or
 * a device and is escaped (html-escape.ts); the Content-Security-Policy forbids scripts as a second guard.
 */
import { type ColdChainProfile, legacyProfile, type ReadingRecord } from '@coldtrail/core';
import type { ProvenanceReport } from '@coldtrail/ledger-sync';
import { escapeHtml as e } from './html-escape.js';
import { type ChartBand, type ChartLimit, renderChart } from './trip-report-chart.js';
import { importedSection } from './trip-report-imported.js';
import { TRIP_REPORT_CSS } from './trip-report-style.js';

export interface TripSeries {
  sensor: string;
  kind: 'temperature' | 'humidity';
  points: { t: number; value: number }[];
}

export interface TripReportOptions {
  /** When the report was made (shown in the footer); default now. */
  generatedAt?: Date;
  /** The command that re-verifies this answer; default `coldtrail provenance <sscc>`. */
  command?: string;
}

type Excursion = ProvenanceReport['excursions'][number];

/** Temperature and humidity readings of stored records, one series per sensor and kind, in time order. */
export function seriesFromRecords(records: readonly ReadingRecord[]): TripSeries[] {
  const out = new Map<string, TripSeries>();
  for (const r of records) {
    if ((r.kind !== 'temperature' && r.kind !== 'humidity') || typeof r.value !== 'number') continue;
    const key = `${r.kind}\u0000${r.sensor}`;
    const s = out.get(key) ?? { sensor: r.sensor, kind: r.kind, points: [] };
    s.points.push({ t: Date.parse(r.ts), value: r.value });
    out.set(key, s);
  }
  for (const s of out.values()) s.points.sort((a, b) => a.t - b.t);
  return [...out.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.sensor.localeCompare(b.sensor));
}

const UNIT = { temperature: '°C', humidity: '%RH', door: '' } as const;
const when = (iso: string | null | undefined) =>
  iso
    ? e(
        iso
          .replace('T', ' ')
          .replace(/\.\d{3}Z$/, ' UTC')
          .replace(/Z$/, ' UTC'),
      )
    : '—';
/** Table cells: date over time, no zone (the column header says UTC), so the wide table fits A4. */
const cell = (iso: string | null | undefined) =>
  iso
    ? `<span class="nw">${e(iso.slice(0, 10))}</span> <span class="nw">${e(iso.slice(11, 19))}</span>`
    : '—';
const sign = (x: { direction: 'above' | 'below'; inclusive?: boolean }) =>
  x.direction === 'above' ? (x.inclusive ? '≥' : '>') : x.inclusive ? '≤' : '<';
const minutes = (m: number) =>
  m >= 120 ? `${Math.floor(m / 60)} h ${Math.round(m % 60)} min` : `${m.toFixed(m < 10 ? 1 : 0)} min`;

/** The rules the shipment is judged by: the report's profile, or the one its legacy limits amount to. */
function rulesOf(r: ProvenanceReport): ColdChainProfile {
  return r.rules ?? r.shipment.profileSpec ?? legacyProfile(r.shipment.profile);
}

function alarmText(a: ColdChainProfile['zones'][number]['alarms'][number]): string {
  switch (a.kind) {
    case 'instant':
      return 'instant';
    case 'single-event':
      return `single event ≥ ${minutes(a.delayMinutes)} continuous`;
    case 'cumulative':
      return `cumulative ≥ ${minutes(a.budgetMinutes)} total`;
    default:
      return a satisfies never;
  }
}

function header(r: ProvenanceReport, rules: ColdChainProfile): string {
  const s = r.shipment;
  const contents = (s.contents ?? []).map((c) =>
    'serial' in c
      ? `GTIN ${e(c.gtin)} serial ${e(c.serial)}`
      : `GTIN ${e(c.gtin)} lot ${e(c.lot)}, expiry ${e(c.expiry)}, ${e(c.quantity)} units`,
  );
  const zones = rules.zones
    .map(
      (z) =>
        `<li>${e(z.id)}: ${e(z.measure)} ${z.measure === 'door' ? 'open' : `${e(sign(z))} ${e(z.limit)} ${UNIT[z.measure]}`} — ${z.alarms.map((a) => e(alarmText(a))).join('; ')}</li>`,
    )
    .join('');
  const row = (k: string, v: string) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`;
  return `<header class="head">
<div class="title"><h1>Cold-chain trip report</h1><p class="sscc">SSCC <strong>${e(r.sscc)}</strong></p></div>
<table class="facts">
${row('Product', e(s.product))}
${contents.length > 0 ? row('Contents', contents.join('<br>')) : ''}
${row('Route', `${e(s.origin)} → ${e(s.destination)}`)}
${row('Status', `${e(s.status)}${r.range.complete ? '' : ' (readings so far)'}; created ${when(s.createdAt)}, completed ${when(s.completedAt)}`)}
${row('Device', `${e(r.device.id)} (org ${e(r.device.org)})${r.device.status === 'revoked' ? ' <strong class="bad">REVOKED</strong>' : ''}, records #${e(r.range.fromSeq)}–#${e(r.range.toSeq)}`)}
${row('Readings', `${e(r.readings.count)} (${e(r.readings.temperature)} temperature, ${e(r.readings.humidity)} humidity), ${e(r.readings.faults)} faults; ${when(r.readings.firstTs)} – ${when(r.readings.lastTs)}`)}
${row('Profile', `<strong>${e(rules.title)}</strong> (${e(rules.id)} v${e(rules.version)}, sample period ${e(rules.samplePeriodSeconds)} s)<br><code>${e(rules.uri)}</code><ul class="zones">${zones}</ul>`)}
</table></header>`;
}

function verificationBox(r: ProvenanceReport): string {
  const ok = r.verification.ok;
  const rows = r.verification.checks
    .map((c) => {
      const state = !c.ok ? 'failed' : c.skipped ? 'skipped' : 'ok';
      const problems =
        c.problems && c.problems.length > 0
          ? `<ul class="problems">${c.problems.map((p) => `<li>${e(p)}</li>`).join('')}</ul>`
          : '';
      return `<tr class="check-${state}"><td>${e(c.name)}</td><td class="state">${state}</td><td>${e(c.detail)}${problems}</td></tr>`;
    })
    .join('');
  const verdict = ok ? 'VERIFIED' : 'FAILED';
  const excursions = r.excursions.length;
  return `<section class="verdict ${ok ? 'verified' : 'failed'}" aria-label="verification result">
<p class="overall"><span class="badge">${verdict}</span> ${ok ? 'Every check of the readings, signatures, anchors, custody and ledger passed.' : 'At least one check failed: this answer must not be relied on.'} ${excursions === 0 ? 'No excursions.' : `<strong>${excursions} excursion${excursions === 1 ? '' : 's'}</strong> (below).`}</p>
<table class="checks"><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

function limitsFor(rules: ColdChainProfile, measure: 'temperature' | 'humidity'): ChartLimit[] {
  return rules.zones
    .filter((z) => z.measure === measure)
    .map((z) => ({
      value: z.limit,
      direction: z.direction,
      label: `${z.id} ${sign(z)} ${z.limit} ${UNIT[measure]}`,
    }));
}

function chartSection(
  r: ProvenanceReport,
  rules: ColdChainProfile,
  series: readonly TripSeries[],
  measure: 'temperature' | 'humidity',
): string {
  const mine = series.filter((s) => s.kind === measure && s.points.length > 0);
  if (mine.length === 0) return '';
  const bands: ChartBand[] = [];
  r.excursions.forEach((x, i) => {
    if ((x.measure ?? 'temperature') !== measure) return;
    bands.push({
      id: x.id,
      tag: `E${i + 1}`,
      // Plain text: the chart escapes it. E1 is the first row of the excursion table.
      label: `E${i + 1} ${x.sensor ?? ''} ${excursionWhat(x)} ${x.start} – ${x.end}`,
      start: Date.parse(x.start),
      end: Date.parse(x.end),
    });
  });
  const title = measure === 'temperature' ? 'Temperature' : 'Relative humidity';
  const chart = renderChart({
    title: `${title} of shipment ${r.sscc}`,
    unit: UNIT[measure],
    series: mine,
    limits: limitsFor(rules, measure),
    excursions: bands,
  });
  return `<section class="chart-section ${measure}"><h2>${title}</h2>${chart}</section>`;
}

function excursionWhat(x: Excursion): string {
  const unit = UNIT[x.measure ?? 'temperature'];
  return x.measure === 'door' ? 'door open' : `${x.direction} ${sign(x)} ${x.limitC} ${unit}`;
}

function excursionTable(r: ProvenanceReport): string {
  if (r.excursions.length === 0) {
    return '<section><h2>Excursions</h2><p class="none">None: no reading went beyond a limit of the profile long enough to alarm.</p></section>';
  }
  const rows = r.excursions
    .map((x, i) => {
      const unit = UNIT[x.measure ?? 'temperature'];
      const state = !x.derived
        ? '<strong class="bad">on the ledger, NOT in the readings</strong>'
        : x.recorded
          ? 'recorded'
          : r.range.complete
            ? '<strong class="bad">NOT recorded on the ledger</strong>'
            : 'from the readings so far';
      return `<tr><td>E${i + 1}</td><td>${e(x.sensor ?? '—')}</td><td>${e(x.zone ?? '—')}</td><td>${e(x.rule)}</td><td>${e(x.direction)}</td><td class="nw">${e(sign(x))} ${e(x.limitC)} ${unit}</td><td>${cell(x.start)}</td><td>${cell(x.end)}</td><td class="num">${e(minutes(x.durationMinutes))}</td><td class="num">${x.measure === 'door' ? '—' : `${e(x.maxValue)} ${unit}`}</td><td>${cell(x.triggeredAt)}</td><td>${state}</td></tr>`;
    })
    .join('');
  return `<section><h2>Excursions</h2><div class="scroll"><table class="excursions"><thead><tr><th>#</th><th>Sensor</th><th>Zone</th><th>Rule</th><th>Direction</th><th>Limit</th><th>Start (UTC)</th><th>End (UTC)</th><th class="num">Duration</th><th class="num">Extreme</th><th>Alarm (UTC)</th><th>Ledger</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function custodyTimeline(r: ProvenanceReport): string {
  const items = r.custody
    .map((c) => {
      const other =
        c.action === 'offered' || c.action === 'withdrawn'
          ? ` to ${e(c.to ?? '?')}`
          : c.action === 'accepted' || c.action === 'rejected'
            ? ` from ${e(c.from ?? '?')}`
            : '';
      const where = c.location ? `<div class="where">at <code>${e(c.location)}</code></div>` : '';
      const declared = c.eventTime ? `<div class="small">declared ${when(c.eventTime)}</div>` : '';
      const reason = c.reason ? `<div class="small">reason: ${e(c.reason)}</div>` : '';
      return `<li class="step step-${e(c.action)}"><div class="at">${when(c.at)}</div><div class="what"><strong>${e(c.action)}</strong> by ${e(c.org)}${other}</div>${where}${declared}${reason}<div class="small tx">tx ${e(c.txId)}</div></li>`;
    })
    .join('');
  return `<section><h2>Custody</h2>${items ? `<ol class="timeline">${items}</ol>` : '<p class="none">No custody events.</p>'}</section>`;
}

function mktSection(r: ProvenanceReport): string {
  const m = r.mkt;
  if (!m || m.sensors.length === 0) return '';
  const rows = m.sensors
    .map((s) => {
      const highest = s.windows.reduce((hi, w) => Math.max(hi, w.mktC), Number.NEGATIVE_INFINITY);
      const over = s.windows.filter((w) => w.exceedsLimit).length;
      return `<tr><td>${e(s.sensor)}</td><td class="num">${e(s.overallC.toFixed(2))} °C</td><td class="num">${s.windows.length > 0 ? `${e(highest.toFixed(2))} °C` : '—'}</td><td class="num">${e(s.samples)}</td><td>${over > 0 ? `<strong class="bad">${over} window(s) above the limit</strong>` : m.limitC === null ? '—' : 'within'}</td></tr>`;
    })
    .join('');
  const window = m.windowHours === null ? 'no declared window' : `${e(m.windowHours)} h windows`;
  const limit = m.limitC === null ? 'no MKT limit' : `limit ${e(m.limitC)} °C`;
  return `<section><h2>Mean kinetic temperature</h2><p class="small">USP &lt;1079.2&gt;, ΔH/R ${e(m.deltaHOverR)} K, ${window}, ${limit}. Shown beside the excursions, never instead of them: an MKT within limits says nothing about a short spike.</p><table class="mkt"><thead><tr><th>Sensor</th><th class="num">Overall</th><th class="num">Highest window</th><th class="num">Samples</th><th>Limit</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function limitsSection(r: ProvenanceReport): string {
  if (r.limits.length === 0) return '';
  return `<section class="limits"><h2>What this answer cannot prove by itself</h2><ul>${r.limits.map((l) => `<li>${e(l)}</li>`).join('')}</ul></section>`;
}

function signatureBlock(r: ProvenanceReport, command: string, generatedAt: Date): string {
  return `<section class="signoff"><h2>Review</h2>
<p class="small">Re-verify this answer independently: <code class="cmd">${e(command)}</code> (or <code class="cmd">coldtrail verify &lt;bundle&gt;</code> on a bundle written with <code>coldtrail provenance ${e(r.sscc)} --bundle FILE</code>, offline).</p>
<div class="sign-lines"><div><span class="line"></span>Reviewed by (name, role)</div><div><span class="line"></span>Date</div><div><span class="line"></span>Signature</div></div>
<p class="small footer">Generated ${when(generatedAt.toISOString())} by coldtrail from the ledger and the signed readings. Decision: ☐ release ☐ quarantine ☐ reject</p>
</section>`;
}

/** The trip report of `report` as one self-contained HTML document. */
export function renderTripReport(
  report: ProvenanceReport,
  series: readonly TripSeries[],
  opts: TripReportOptions = {},
): string {
  const rules = rulesOf(report);
  const generatedAt = opts.generatedAt ?? new Date();
  const command = opts.command ?? `coldtrail provenance ${report.sscc}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trip report ${e(report.sscc)}</title>
<style>${TRIP_REPORT_CSS}</style></head>
<body><main class="report">
${header(report, rules)}
${verificationBox(report)}
${chartSection(report, rules, series, 'temperature')}
${chartSection(report, rules, series, 'humidity')}
${excursionTable(report)}
${custodyTimeline(report)}
${importedSection(report.imported)}
${mktSection(report)}
${limitsSection(report)}
${signatureBlock(report, command, generatedAt)}
</main></body></html>
`;
}
