import type { ProvenanceReport } from '@coldtrail/ledger-sync';

const hm = (iso: string) => iso.replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, 'Z');

function excursionNote(e: ProvenanceReport['excursions'][number], complete: boolean): string {
  if (!e.derived) return '  (on the ledger, but NOT in the readings)';
  if (!e.recorded)
    return complete ? '  (NOT recorded on the ledger)' : '  (from the readings so far; not recorded yet)';
  return '';
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
    `  profile      ${s.profile.lowerC}-${s.profile.upperC} °C, alarm after ${s.profile.delayMinutes} min beyond`,
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
    ...r.excursions.map(
      (e) =>
        `  ${e.direction} ${e.limitC} °C  ${hm(e.start)} .. ${hm(e.end)}  ${e.durationMinutes.toFixed(1)} min, ` +
        `extreme ${e.maxValue} °C${excursionNote(e, r.range.complete)}`,
    ),
    '',
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

/** The demo's one JSON object: the fields first, then the full provenance report. */
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
