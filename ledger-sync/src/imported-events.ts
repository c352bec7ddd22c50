import { epcUrisOfSubject, type Gs1Subject, type ImportedEventView } from '@coldtrail/core';
import type { LedgerClient } from './ledger-types.js';

/**
 * The partner EPCIS events imported on our ledger (`coldtrail epcis import`, chaincode epcis-imports.ts) that
 * name the subject: an SSCC's urn:epc:id:sscc:, an SGTIN's urn:epc:id:sgtin:, a lot's urn:epc:class:lgtin:,
 * under every company prefix split (core epcUrisOfSubject), once each, in event-time order.
 *
 * They are read through the ledger client like every other answer, so on the embedded ledger they are part of
 * the state the answer's `ledger` check verifies (verify-evidence.ts): the caller must read them before that
 * check runs. What the check proves is that these entries are what the import transactions wrote; what the
 * events say is the partner's claim, not a reading any of our devices signed (IMPORTED_LIMIT).
 */
export async function importedEventsOf(
  ledger: Pick<LedgerClient, 'listImportedEvents'>,
  subject: Gs1Subject,
): Promise<ImportedEventView[]> {
  const byId = new Map<string, ImportedEventView>();
  for (const uri of epcUrisOfSubject(subject)) {
    for (const e of await ledger.listImportedEvents(uri)) if (!byId.has(e.eventID)) byId.set(e.eventID, e);
  }
  // eventTime carries its own offset (EPCIS 2.0 §7.4.1), so compare instants, not strings.
  const time = (e: ImportedEventView) => Date.parse(String(e.event.eventTime)) || 0;
  return [...byId.values()].sort((a, b) =>
    time(a) !== time(b) ? time(a) - time(b) : a.eventID < b.eventID ? -1 : 1,
  );
}

/** Stated with every answer that shows imported events. */
export const IMPORTED_LIMIT =
  "imported EPCIS events are a partner's claims recorded on this ledger: the ledger proves who imported each document and when, not that the events happened as stated; none of them is a reading our devices signed";
