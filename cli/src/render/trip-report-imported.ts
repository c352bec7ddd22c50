import type { ImportedEventView } from '@coldtrail/core';
import { escapeHtml as e } from './html-escape.js';

/**
 * The trip report's "Partner events (imported EPCIS)" table: each event a partner's EPCIS document named this
 * SSCC in, with whose claim it is (importer, document sha-256) and when it was recorded here. Not part of the
 * verdict: nothing in it is a reading our devices signed. Every cell is the partner's text, escaped.
 */
export function importedSection(events: readonly ImportedEventView[] | undefined): string {
  if (!events || events.length === 0) return '';
  const rows = events
    .map((x) => {
      const text = (v: unknown) => (v === undefined ? '—' : e(typeof v === 'string' ? v : JSON.stringify(v)));
      return `<tr><td class="nw">${text(x.event.eventTime)}</td><td>${text(x.event.type)}</td><td>${text(x.event.bizStep)}</td><td><code>${e(x.eventID)}</code></td><td><code>${e(x.document.slice(0, 16))}…</code></td><td>${e(x.importer.msp)}</td><td class="nw">${e(x.at.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'))}</td></tr>`;
    })
    .join('');
  return `<section class="imported"><h2>Partner events (imported EPCIS)</h2><p class="small">A partner's claims, recorded on this ledger by the importer named: the ledger shows who imported each document and when, not that the events happened as stated. They are not readings our devices signed and take no part in the verification above.</p><div class="scroll"><table class="imported"><thead><tr><th>Event time</th><th>Type</th><th>bizStep</th><th>eventID</th><th>Document sha-256</th><th>Imported by</th><th>Recorded (UTC)</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}
