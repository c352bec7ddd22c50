import {
  epcsOfEvent,
  IDENTIFIER_PATTERN,
  type ImportedEventView,
  ISO_MS_PATTERN,
  importedContentHash,
} from '@coldtrail/core';
import { z } from 'zod';

/**
 * Schema of the contract's answer to ListImportedEvents (chaincode epcis-imports.ts): a partner's EPCIS events
 * recorded on our ledger, each with its document's hash and importer. The ledger client checks every answer
 * against it (ledger-client.ts) and, beyond the shape, that each entry is self-consistent: the eventID is the
 * event's own, the content hash is the event's content, and the event names the EPC asked for.
 */
const iso = z.string().regex(ISO_MS_PATTERN, 'an ISO-8601 UTC time');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha-256 in hex');

export const importedEventViewSchema = z.object({
  eventID: z.string().min(1),
  contentHash: sha256,
  document: sha256,
  event: z.record(z.string(), z.unknown()),
  at: iso,
  txId: z.string().min(1),
  importer: z.object({ msp: z.string().regex(IDENTIFIER_PATTERN), id: z.string(), cn: z.string() }),
  context: z.array(z.unknown()).optional(),
}) satisfies z.ZodType<ImportedEventView>;

/** True when the entry is what the contract records for `epc`: its own id, its own content hash, naming `epc`. */
export function isImportedEventOf(epc: string, e: ImportedEventView): boolean {
  return (
    e.event.eventID === e.eventID &&
    importedContentHash(e.event) === e.contentHash &&
    epcsOfEvent(e.event).includes(epc)
  );
}
