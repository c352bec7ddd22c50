import type { ImportedEventView } from '@coldtrail/core';

/**
 * The "Partner events (imported EPCIS)" block of the table form: each imported event's time, type, bizStep and
 * eventID, and on the next line whose claim it is (the document's sha-256, the importer's MSP, when it was
 * recorded here). Every value is the partner's text, so control characters are shown as `?` (no terminal
 * escape sequence gets through).
 */
const safe = (v: unknown) => String(v).replace(/\p{Cc}/gu, '?');
const hm = (iso: string) => iso.replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, 'Z');

export const IMPORTED_TITLE = 'Partner events (imported EPCIS)';

export function importedLines(events: readonly ImportedEventView[] | undefined, indent = ''): string[] {
  if (events === undefined) return [];
  if (events.length === 0) return [`${indent}${IMPORTED_TITLE}  none`, ''];
  return [
    `${indent}${IMPORTED_TITLE}  ${events.length}: a partner's claims recorded on this ledger, not verified readings`,
    ...events.flatMap((x) => [
      `${indent}  ${safe(x.event.eventTime ?? '?')}  ${safe(x.event.type ?? '?')}  ${safe(x.event.bizStep ?? '-')}  ${safe(x.eventID)}`,
      `${indent}    document ${x.document.slice(0, 16)}…  imported by ${safe(x.importer.msp)} ${hm(x.at)}  tx ${x.txId.slice(0, 12)}`,
    ]),
    '',
  ];
}
