import type { ItemProvenanceReport } from '@coldtrail/ledger-sync';
import { IMPORTED_TITLE, importedLines } from './imported-text.js';

/**
 * The table form of an SGTIN's or a lot's provenance: what it is, whether every shipment that carried it
 * verifies, its disposition and stability budget, one block per shipment (custody, readings, excursions, MKT,
 * the failed checks), and the recall scope. Each shipment's full report: `coldtrail provenance <its SSCC>`, or
 * `--json`.
 */
const hm = (iso: string) => iso.replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, 'Z');

type Step = NonNullable<ItemProvenanceReport['disposition']['current']>;
type Carried = ItemProvenanceReport['shipments'][number];

function title(r: ItemProvenanceReport): string {
  const s = r.subject;
  return s.kind === 'lot' ? `Lot ${s.lot} of GTIN ${s.gtin}` : `SGTIN ${s.gtin} serial ${s.serial}`;
}

function stepLine(d: Step): string {
  const reason = d.reason ? `: ${d.reason}` : '';
  return `${hm(d.at)}  ${d.action.padEnd(10)} -> ${d.disposition} (CBV ${d.cbvDisposition}) by ${d.signer} (${d.caller.msp})${reason}`;
}

function budgetLine(b: ItemProvenanceReport['stabilityBudget']): string {
  if (b.budget === null || b.allowedMinutes === null) {
    return `Stability    no budget defined for GTIN ${b.subject.gtin}; ${b.consumedMinutes} min consumed`;
  }
  const range = `${b.budget.lowerC}-${b.budget.upperC} °C`;
  const left = b.exceeded
    ? `EXCEEDED by ${(-(b.remainingMinutes ?? 0)).toFixed(1)} min`
    : `${(b.remainingMinutes ?? 0).toFixed(1)} min left`;
  return `Stability    ${left} of ${b.allowedMinutes} min between ${range} (${b.consumedMinutes} min consumed, v${b.budget.version})`;
}

function carriedHow(s: Carried): string {
  if (s.path.length > 1) return `inside ${s.path.slice(0, -1).join(' in ')}`;
  const lines = s.lines.map((l) =>
    'lot' in l ? `${l.quantity} x lot ${l.lot}, expiry ${l.expiry}` : `serial ${l.serial}`,
  );
  return `declared in its contents${lines.length > 0 ? ` (${lines.join('; ')})` : ''}`;
}

function shipmentLines(s: Carried): string[] {
  const p = s.provenance;
  const rd = p.readings;
  const failed = p.verification.checks.filter((c) => !c.ok);
  const hottest = p.mkt.sensors.reduce((hi, m) => Math.max(hi, m.overallC), Number.NEGATIVE_INFINITY);
  const lines = [
    `  ${s.sscc}  ${p.shipment.status}, custodian ${p.shipment.custodian}  ${p.verification.ok ? 'verified' : 'FAILED'}`,
    `    carried    ${carriedHow(s)}`,
    `    route      ${p.shipment.origin} -> ${p.shipment.destination}`,
    `    custody    ${p.custody.map((c) => `${c.action} ${c.org}${c.location ? ` at ${c.location}` : ''}`).join(', ')}`,
    `    readings   ${rd.count}${rd.minTemperatureC === null ? '' : `, ${rd.minTemperatureC}..${rd.maxTemperatureC} °C`}` +
      (rd.firstTs && rd.lastTs ? `, ${hm(rd.firstTs)} .. ${hm(rd.lastTs)}` : ''),
    `    excursions ${p.excursions.length === 0 ? 'none' : p.excursions.map((e) => `${e.zone ?? e.direction}/${e.rule} ${e.durationMinutes.toFixed(1)} min from ${hm(e.start)}`).join('; ')}`,
  ];
  if (p.mkt.sensors.length > 0) {
    lines.push(
      `    MKT        highest sensor ${hottest.toFixed(2)} °C${p.mkt.exceeded ? ', a window ABOVE the limit' : ''}`,
    );
  }
  if (s.disposition) lines.push(`    SSCC disp. ${stepLine(s.disposition)}`);
  const partner = p.imported?.length ?? 0;
  if (partner > 0) {
    lines.push(
      `    partner    ${partner} imported EPCIS event(s) name this SSCC (${IMPORTED_TITLE}: coldtrail provenance ${s.sscc})`,
    );
  }
  for (const c of failed) lines.push(`    FAIL       ${c.name}: ${c.detail}`);
  return lines;
}

export function renderSubject(r: ItemProvenanceReport): string {
  const v = r.verification;
  const scope = r.recallScope;
  const lines = [
    title(r),
    `  element    ${r.identifiers.elementString}`,
    `  link       ${r.identifiers.digitalLink}`,
    `  EPC        ${r.identifiers.epc}`,
    ...(r.expiries.length > 0 ? [`  expiry     ${r.expiries.join(', ')}`] : []),
    '',
    `Verification ${v.ok ? 'OK' : 'FAILED'}: ${v.shipments.length} shipment(s), ${v.shipments.filter((s) => s.ok).length} verified`,
    ...v.shipments.filter((s) => !s.ok).map((s) => `  FAIL  ${s.sscc}: ${s.failed.join(', ')}`),
    '',
    `Disposition  ${r.disposition.current ? r.disposition.current.disposition : 'none'}`,
    ...r.disposition.trail.map((d) => `  ${d.seq}. ${stepLine(d)}`),
    budgetLine(r.stabilityBudget),
    '',
    ...importedLines(r.imported),
    `Shipments    ${r.shipments.length}`,
    ...r.shipments.flatMap(shipmentLines),
    '',
    'Recall scope',
    `  SSCCs      ${scope.ssccs.map((s) => `${s.sscc} (${s.role})`).join(', ') || 'none'}`,
    '  sites',
    ...scope.sites.map(
      (s) =>
        `    ${s.location}${s.site && s.site !== s.location ? ` (GLN ${s.site})` : ''}  ${s.roles.join(', ')}`,
    ),
    `  custodians ${scope.custodians.join(', ') || 'none'}`,
    ...(r.receipts.length > 0 ? [`  receipts   ${r.receipts.length}`] : []),
    ...(r.dispenses.length > 0
      ? [
          `  dispenses  ${r.dispenses.reduce((n, d) => n + d.quantity, 0)} unit(s) in ${r.dispenses.length} dispense(s)`,
        ]
      : []),
    ...(r.limits.length > 0
      ? ['', 'Cannot be proven by this node alone', ...r.limits.map((l) => `  - ${l}`)]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}
