/**
 * The trip report's chart as inline SVG (no script, no external file): one series per sensor, the profile's
 * limits as dashed lines with the out-of-range side tinted, each excursion shaded over its time span and
 * labelled. A 30-day minute series (43,200 points) is reduced to at most MAX_BUCKETS buckets per series,
 * each drawn by its first, lowest, highest and last point, so the file stays small and a one-minute spike
 * still shows (plain averaging or striding would hide it, which a quality reviewer must never be shown).
 */
import { escapeHtml } from './html-escape.js';

export interface ChartPoint {
  t: number;
  value: number;
}

export interface ChartSeries {
  sensor: string;
  points: readonly ChartPoint[];
}

export interface ChartLimit {
  label: string;
  value: number;
  direction: 'above' | 'below';
}

export interface ChartBand {
  id: string;
  /** Short mark drawn in the band (E1, E2, ...: the row of the excursion table). */
  tag: string;
  label: string;
  start: number;
  end: number;
}

export interface ChartInput {
  title: string;
  unit: string;
  series: readonly ChartSeries[];
  limits: readonly ChartLimit[];
  excursions: readonly ChartBand[];
}

/** Buckets per series: 4 points each at most, ~8,000 points, well under the ~2,000-bucket resolution of print. */
export const MAX_BUCKETS = 2_000;

const W = 1000;
const H = 340;
const PAD = { left: 56, right: 16, top: 16, bottom: 40 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
// Colour-blind-safe series colours (Okabe-Ito), dark enough on white for print.
const COLOURS = ['#0072B2', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#D55E00', '#000000'];

/**
 * Min/max per time bucket: each bucket keeps its first, lowest, highest and last point in time order, so
 * the drawn line passes through every extreme of the original series.
 */
export function downsample(points: readonly ChartPoint[], maxBuckets = MAX_BUCKETS): ChartPoint[] {
  if (points.length <= maxBuckets * 4) return [...points];
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const first = (sorted[0] as ChartPoint).t;
  const span = (sorted.at(-1) as ChartPoint).t - first || 1;
  const out: ChartPoint[] = [];
  let i = 0;
  for (let b = 0; b < maxBuckets && i < sorted.length; b++) {
    const end = first + (span * (b + 1)) / maxBuckets;
    const bucket: ChartPoint[] = [];
    while (i < sorted.length && ((sorted[i] as ChartPoint).t < end || b === maxBuckets - 1)) {
      bucket.push(sorted[i] as ChartPoint);
      i++;
    }
    if (bucket.length === 0) continue;
    let lo = bucket[0] as ChartPoint;
    let hi = lo;
    for (const p of bucket) {
      if (p.value < lo.value) lo = p;
      if (p.value > hi.value) hi = p;
    }
    const keep = new Set([bucket[0] as ChartPoint, lo, hi, bucket.at(-1) as ChartPoint]);
    out.push(...[...keep].sort((a, b2) => a.t - b2.t));
  }
  return out;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** Tick step of 1, 2 or 5 x 10^k giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag;
}

const TIME_STEPS = [1, 5, 15, 30, 60, 120, 360, 720, 1440, 2880, 10080].map((m) => m * 60_000);

function timeLabel(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  if (spanMs > 3 * 86_400_000) return iso.slice(5, 10);
  if (spanMs > 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(11, 16);
}

/** The chart as an `<svg>` element string; every text from the report is escaped. */
export function renderChart(input: ChartInput): string {
  const drawn = input.series.map((s) => ({ sensor: s.sensor, points: downsample(s.points) }));
  const all = drawn.flatMap((s) => s.points);
  const times = [...all.map((p) => p.t), ...input.excursions.flatMap((e) => [e.start, e.end])];
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const tSpan = t1 - t0 || 60_000;
  const values = [...all.map((p) => p.value), ...input.limits.map((l) => l.value)];
  let vLo = Math.min(...values);
  let vHi = Math.max(...values);
  const margin = Math.max((vHi - vLo) * 0.08, 0.5);
  vLo -= margin;
  vHi += margin;
  const x = (t: number) => PAD.left + ((t - t0) / tSpan) * PLOT_W;
  const y = (v: number) => PAD.top + (1 - (v - vLo) / (vHi - vLo)) * PLOT_H;
  const parts: string[] = [];

  // Out-of-range sides of each limit, tinted, under everything else.
  for (const l of input.limits) {
    const yl = y(l.value);
    const [top, bottom] = l.direction === 'above' ? [PAD.top, yl] : [yl, PAD.top + PLOT_H];
    parts.push(
      `<rect class="out-of-range" x="${PAD.left}" y="${fmt(top)}" width="${PLOT_W}" height="${fmt(Math.max(0, bottom - top))}"/>`,
    );
  }
  // Grid and axes.
  const vStep = niceStep(vHi - vLo, 6);
  for (let v = Math.ceil(vLo / vStep) * vStep; v <= vHi; v += vStep) {
    const yv = fmt(y(v));
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${yv}" y2="${yv}"/>`);
    parts.push(
      `<text class="tick" x="${PAD.left - 6}" y="${yv}" text-anchor="end" dy="0.32em">${fmt(v)}</text>`,
    );
  }
  const tStep = TIME_STEPS.find((s) => tSpan / s <= 8) ?? 7 * 86_400_000;
  for (let t = Math.ceil(t0 / tStep) * tStep; t <= t1; t += tStep) {
    const xt = fmt(x(t));
    parts.push(`<line class="grid" x1="${xt}" x2="${xt}" y1="${PAD.top}" y2="${PAD.top + PLOT_H}"/>`);
    parts.push(
      `<text class="tick" x="${xt}" y="${PAD.top + PLOT_H + 16}" text-anchor="middle">${timeLabel(t, tSpan)}</text>`,
    );
  }
  parts.push(
    `<text class="tick" x="${W - PAD.right}" y="${H - 4}" text-anchor="end">UTC</text>`,
    `<text class="tick" x="12" y="${PAD.top + PLOT_H / 2}" transform="rotate(-90 12 ${PAD.top + PLOT_H / 2})" text-anchor="middle">${escapeHtml(input.unit)}</text>`,
  );
  // Excursions: shaded spans, labelled with their number in the excursion table.
  input.excursions.forEach((e, i) => {
    const xs = x(e.start);
    const width = Math.max(x(e.end) - xs, 2);
    parts.push(
      `<g class="excursion" data-excursion="${escapeHtml(e.id)}"><title>${escapeHtml(e.label)}</title>` +
        `<rect x="${fmt(xs)}" y="${PAD.top}" width="${fmt(width)}" height="${PLOT_H}"/>` +
        `<text x="${fmt(xs + width / 2)}" y="${PAD.top + 12 + (i % 3) * 12}" text-anchor="middle">${escapeHtml(e.tag)}</text></g>`,
    );
  });
  // Limit lines on top of the shading.
  for (const l of input.limits) {
    const yl = fmt(y(l.value));
    parts.push(
      `<line class="limit" x1="${PAD.left}" x2="${W - PAD.right}" y1="${yl}" y2="${yl}"/>`,
      `<text class="limit-label" x="${W - PAD.right - 4}" y="${yl}" dy="${l.direction === 'above' ? '-0.35em' : '1em'}" text-anchor="end">${escapeHtml(l.label)}</text>`,
    );
  }
  drawn.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${fmt(x(p.t))} ${fmt(y(p.value))}`).join('');
    parts.push(
      `<path class="series" data-sensor="${escapeHtml(s.sensor)}" stroke="${COLOURS[i % COLOURS.length]}" d="${d}"/>`,
    );
  });
  parts.push(`<rect class="plot-area" x="${PAD.left}" y="${PAD.top}" width="${PLOT_W}" height="${PLOT_H}"/>`);
  const legend = drawn
    .map(
      (s, i) =>
        `<span class="legend-item"><span class="swatch" style="background:${COLOURS[i % COLOURS.length]}"></span>${escapeHtml(s.sensor)}</span>`,
    )
    .join('');
  return (
    `<figure class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(input.title)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>` +
    `<figcaption>${legend}<span class="legend-item"><span class="swatch limit-swatch"></span>limit</span>` +
    `<span class="legend-item"><span class="swatch excursion-swatch"></span>excursion</span></figcaption></figure>`
  );
}
