import type { ProvenanceReport } from '@coldtrail/ledger-sync';
import { importedLines } from './imported-text.js';

const hm = (iso: string) => iso.replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, 'Z');

function excursionNote(e: ProvenanceReport['excursions'][number], complete: boolean): string {
  if (!e.derived) return '  (on the ledger, but NOT in the readings)';
  if (!e.recorded)
    return complete ? '  (NOT recorded on the ledger)' : '  (from the readings so far; not recorded yet)';
  return '';
}

const UNIT = { temperature: '°C', humidity: '%RH', door: '' } as const;
const limitSign = (e: { direction: 'above' | 'below'; inclusive?: boolean }) =>
  e.direction === 'above' ? (e.inclusive ? '>=' : '>') : e.inclusive ? '<=' : '<';

/**
 * One excursion: under a versioned profile `high/single-event probe-1 > 8 °C ...` with when the alarm
 * triggered; for a shipment created before profiles as before (`above 8 °C ...`).
 */
function excursionLine(e: ProvenanceReport['excursions'][number], complete: boolean): string {
  const note = excursionNote(e, complete);
  const span = `${hm(e.start)} .. ${hm(e.end)}  ${e.durationMinutes.toFixed(1)} min`;
  if (e.sensor === undefined) {
    return `  ${e.direction} ${e.limitC} °C  ${span}, extreme ${e.maxValue} °C${note}`;
  }
  const unit = UNIT[e.measure ?? 'temperature'];
  const what = e.measure === 'door' ? 'door open' : `${limitSign(e)} ${e.limitC}${unit ? ` ${unit}` : ''}`;
  const extreme = e.measure === 'door' ? '' : `, extreme ${e.maxValue}${unit ? ` ${unit}` : ''}`;
  const triggered = e.triggeredAt ? `, alarm ${hm(e.triggeredAt)}` : '';
  const gaps = e.gapMinutes ? `, ${e.gapMinutes.toFixed(1)} min without data` : '';
  return `  ${`${e.zone}/${e.rule}`.padEnd(22)} ${e.sensor}  ${what}  ${span}${extreme}${triggered}${gaps}${note}`;
}

function profileLines(r: ProvenanceReport): string[] {
  const p = r.shipment.profile;
  const rules = r.rules;
  if (!r.shipment.profileSpec || !rules) {
    return [`  profile      ${p.lowerC}-${p.upperC} °C, alarm after ${p.delayMinutes} min beyond`];
  }
  return [`  profile      ${rules.id} v${rules.version} (${rules.uri}): ${rules.title}`];
}

function dispositionLines(r: ProvenanceReport): string[] {
  const d = r.disposition;
  if (d === undefined) return [];
  if (d === null) return ['Disposition  none on the ledger', ''];
  const signed = d.signature ? `, signed by ${d.signature.fullName} (${d.signature.meaning})` : '';
  return [
    `Disposition  ${d.disposition.toUpperCase()} (CBV ${d.cbvDisposition}) since ${hm(d.at)}, by ${d.signer}${signed}`,
    ...(d.reason ? [`  reason     ${d.reason}`] : []),
    '',
  ];
}

/** MKT per sensor: overall, and the windows above the profile's MKT limit (if it declares one). */
function mktLines(r: ProvenanceReport): string[] {
  const m = r.mkt;
  if (!m || m.sensors.length === 0) return [];
  const window = m.windowHours === null ? '' : `, ${m.windowHours} h windows`;
  const limit = m.limitC === null ? '' : `, limit ${m.limitC} °C`;
  const lines = [
    `MKT          ΔH/R ${m.deltaHOverR} K${window}${limit} (beside the excursions, never instead)`,
  ];
  for (const s of m.sensors) {
    const over = s.windows.filter((w) => w.exceedsLimit);
    const highest = s.windows.reduce((hi, w) => Math.max(hi, w.mktC), Number.NEGATIVE_INFINITY);
    lines.push(
      `  ${s.sensor}  overall ${s.overallC.toFixed(2)} °C` +
        (s.windows.length > 0 ? `, highest window ${highest.toFixed(2)} °C` : '') +
        (over.length > 0 ? `, ${over.length} window(s) ABOVE the limit` : ''),
    );
  }
  return [...lines, ''];
}

/** One custody step: who took it and, for a hand-over, with whom and where ("offered to X at SGLN"). */
function custodyLine(c: ProvenanceReport['custody'][number]): string {
  const other =
    c.action === 'offered'
      ? ` to ${c.to ?? '?'}`
      : c.action === 'accepted' || c.action === 'rejected'
        ? ` from ${c.from ?? '?'}`
        : c.action === 'withdrawn'
          ? ` (offer to ${c.to ?? '?'})`
          : '';
  const where = c.location ? ` at ${c.location}` : '';
  const declared = c.eventTime ? `  declared ${hm(c.eventTime)}` : '';
  const reason = c.reason ? `  reason: ${c.reason}` : '';
  return `  ${hm(c.at)}  ${c.action.padEnd(10)} ${c.org}${other}${where}  tx ${c.txId.slice(0, 12)}${declared}${reason}`;
}

/** Human summary of a provenance answer (the table form; --json gives the full report). */
export function renderProvenance(r: ProvenanceReport): string {
  const s = r.shipment;
  const rd = r.readings;
  const lines = [
    `Shipment ${r.sscc}  (${s.status}${r.range.complete ? '' : ', readings so far'})`,
    `  product      ${s.product}`,
    `  route        ${s.origin} -> ${s.destination}`,
    `  device       ${s.device} (org ${r.device.org}), records #${r.range.fromSeq}..#${r.range.toSeq}`,
    ...profileLines(r),
    '',
    'Custody',
    ...r.custody.map(custodyLine),
    '',
    `Readings     ${rd.count} (${rd.temperature} temperature, ${rd.humidity} humidity), ${rd.faults} fault record${rd.faults === 1 ? '' : 's'}${otherReadings(rd.other)}`,
    rd.firstTs && rd.lastTs ? `  period     ${hm(rd.firstTs)} .. ${hm(rd.lastTs)}` : '  period     none yet',
    rd.minTemperatureC !== null
      ? `  temperature min ${rd.minTemperatureC} °C, max ${rd.maxTemperatureC} °C`
      : '',
    '',
    `Excursions   ${r.excursions.length === 0 ? 'none' : r.excursions.length}`,
    ...r.excursions.map((e) => excursionLine(e, r.range.complete)),
    '',
    ...mktLines(r),
    ...dispositionLines(r),
    ...importedLines(r.imported),
    `Verification ${r.verification.ok ? 'OK' : 'FAILED'}`,
    ...r.verification.checks.map(
      (c) => `  ${c.ok ? (c.skipped ? 'skip' : ' ok ') : 'FAIL'}  ${c.name.padEnd(11)} ${c.detail}`,
    ),
    ...(r.limits.length > 0
      ? ['', 'Cannot be proven by this node alone', ...r.limits.map((l) => `  - ${l}`)]
      : []),
  ];
  return `${lines.filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n')}\n`;
}

/** The demo's one JSON object: the issue's fields first, then the full provenance report. */
export function demoJson(r: ProvenanceReport, extra: Record<string, unknown>) {
  return {
    shipment: r.sscc,
    readings: r.readings.count,
    faults: r.readings.faults,
    excursions: r.excursions,
    verified: r.verification,
    ...extra,
    provenance: r,
  };
}

/** GPS and door records, when there are any: ", 40 latitude, 40 longitude, 3 door". */
function otherReadings(other: Record<string, number | undefined> | undefined): string {
  const parts = Object.entries(other ?? {}).map(([kind, n]) => `${n} ${kind}`);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}
