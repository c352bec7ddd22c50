import {
  checkEpcisDocument,
  describeEpcisProblems,
  epcisEventId,
  epcsOfEvent,
  extensionContextOf,
  type ImportedDocument,
  type ImportedEvent,
  type ImportedEventView,
  importedContentHash,
  sha256Hex,
} from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { caller } from './access.js';
import { conflict, invalid } from './errors.js';
import { readJson, txTime, writeJson } from './state.js';

/**
 * EPCIS 2.0 documents imported from a partner, each recorded in ONE transaction (nothing half-imported):
 * `epcisdoc`[sha-256 of the document's UTF-8 bytes as given] holds who imported it and its event ids;
 * `epcisevent`[sha-256 of the eventID] holds each event with its content hash and the document it came in;
 * `epcisepc`[epc, eventKey] indexes every EPC / EPC class an event names, so provenance can show a partner's
 * events beside ours. An eventID already recorded with the same content is a no-op; with other content the
 * import is refused (CONFLICT) naming both documents. An event without eventID gets core's epcisEventId.
 */
export const EPCIS_IMPORT_LIMITS = { maxBytes: 4 * 1024 * 1024 } as const;

export type { ImportedDocument, ImportedEvent, ImportedEventView } from '@coldtrail/core';

export interface ImportOutcome {
  document: ImportedDocument;
  /** False when the very same document was imported before (nothing written). */
  created: boolean;
  newEvents: number;
  knownEvents: number;
}

const docKey = (ctx: Context, hash: string) => ctx.stub.createCompositeKey('epcisdoc', [hash]);
const eventKeyOf = (id: string) => sha256Hex(id);
const eventKey = (ctx: Context, k: string) => ctx.stub.createCompositeKey('epcisevent', [k]);
const epcKey = (ctx: Context, epc: string, k: string) => ctx.stub.createCompositeKey('epcisepc', [epc, k]);

export async function importEpcisDocument(ctx: Context, text: string): Promise<ImportOutcome> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > EPCIS_IMPORT_LIMITS.maxBytes)
    invalid(`the EPCIS document has ${bytes} bytes; at most ${EPCIS_IMPORT_LIMITS.maxBytes}: split it`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    invalid(`the EPCIS document is not JSON (${(err as Error).message})`);
  }
  const check = checkEpcisDocument(doc);
  if (!check.ok)
    invalid(`the EPCIS document is not valid EPCIS 2.0:\n${describeEpcisProblems(check.problems)}`);
  const hash = sha256Hex(text);
  const existing = await readJson<ImportedDocument>(ctx, docKey(ctx, hash));
  if (existing)
    return { document: existing, created: false, newEvents: 0, knownEvents: existing.eventIDs.length };

  const { iso, txId } = { iso: txTime(ctx).iso, txId: ctx.stub.getTxID() };
  const events = (doc as { epcisBody: { eventList: Record<string, unknown>[] } }).epcisBody.eventList;
  const fresh = new Map<string, ImportedEvent>();
  const eventIDs: string[] = [];
  let knownEvents = 0;
  for (const [i, event] of events.entries()) {
    const eventID = typeof event.eventID === 'string' ? event.eventID : epcisEventId(event);
    const k = eventKeyOf(eventID);
    const content = importedContentHash(event);
    const inDoc = fresh.get(k);
    if (inDoc) {
      if (inDoc.contentHash !== content)
        conflict(
          `epcisBody.eventList[${i}]: eventID ${eventID} appears twice in document ${hash} with different content`,
        );
      continue;
    }
    const before = await readJson<ImportedEvent>(ctx, eventKey(ctx, k));
    if (before) {
      if (before.contentHash !== content)
        conflict(
          `epcisBody.eventList[${i}]: eventID ${eventID} was imported with other content in document ${before.document}; document ${hash} changes it (an EPCIS event is never changed: correct it with an errorDeclaration, EPCIS 2.0 §7.4.1.2)`,
        );
      knownEvents += 1;
      eventIDs.push(eventID);
      continue;
    }
    fresh.set(k, {
      eventID,
      contentHash: content,
      document: hash,
      event: { ...event, eventID },
      at: iso,
      txId,
    });
    eventIDs.push(eventID);
  }
  for (const [k, e] of fresh) {
    await writeJson(ctx, eventKey(ctx, k), e);
    for (const epc of epcsOfEvent(e.event)) await writeJson(ctx, epcKey(ctx, epc, k), { eventID: e.eventID });
  }
  const context = extensionContextOf(doc as { '@context'?: unknown });
  const record: ImportedDocument = {
    hash,
    importer: caller(ctx),
    at: iso,
    txId,
    eventIDs,
    ...(context.length > 0 ? { context } : {}),
  };
  await writeJson(ctx, docKey(ctx, hash), record);
  return { document: record, created: true, newEvents: fresh.size, knownEvents };
}

export async function getImportedDocument(ctx: Context, hash: string): Promise<ImportedDocument | undefined> {
  return readJson<ImportedDocument>(ctx, docKey(ctx, hash));
}

/**
 * The imported events naming an EPC URI or EPC class URI (e.g. urn:epc:id:sscc:...), in event-time order, each
 * with the importer of the document that brought it (read from that document's record, once per document).
 */
export async function listImportedEvents(ctx: Context, epc: string): Promise<ImportedEventView[]> {
  if (epc.length === 0 || epc.length > 512)
    invalid('an EPC URI is 1-512 characters (e.g. urn:epc:id:sscc:...)');
  const out: ImportedEventView[] = [];
  const docs = new Map<string, ImportedDocument | undefined>();
  for await (const kv of ctx.stub.getStateByPartialCompositeKey('epcisepc', [epc])) {
    const { eventID } = JSON.parse(Buffer.from(kv.value).toString('utf8')) as { eventID: string };
    const e = await readJson<ImportedEvent>(ctx, eventKey(ctx, eventKeyOf(eventID)));
    if (!e) continue;
    if (!docs.has(e.document)) docs.set(e.document, await getImportedDocument(ctx, e.document));
    const doc = docs.get(e.document);
    // Written in the same transaction as its events: an event without its document is no import of ours.
    if (doc) out.push({ ...e, importer: doc.importer, ...(doc.context ? { context: doc.context } : {}) });
  }
  const time = (e: ImportedEvent) => String(e.event.eventTime ?? '');
  return out.sort((a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0));
}
