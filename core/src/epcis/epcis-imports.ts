import { canonicalJson } from '../canonical.js';
import { lgtinUrn, sgtinUrn, ssccUrn } from '../gs1-epc-uri.js';
import type { Gs1Subject } from '../gs1-keys.js';
import { sha256Hex } from '../hash.js';
import type { LedgerCaller } from '../ledger-quality.js';
import { EPCIS_CONTEXT_URI } from './epcis-export.js';

/**
 * A partner's EPCIS 2.0 document as the contract records it on import (chaincode epcis-imports.ts): the
 * sha-256 of its UTF-8 bytes as given, who imported it, the transaction, and the eventIDs it carried.
 */
export interface ImportedDocument {
  hash: string;
  importer: LedgerCaller;
  at: string;
  txId: string;
  eventIDs: string[];
  /**
   * The document's @context entries beside the EPCIS context (its extension namespaces, e.g.
   * `{"example": "http://ns.example.com/epcis/"}`), so its events' `example:...` fields keep their meaning when
   * exported again; absent when it had none (and on documents recorded before it was kept).
   */
  context?: unknown[];
}

/** One imported event under its eventID, with the document it first came in (chaincode epcis-imports.ts). */
export interface ImportedEvent {
  eventID: string;
  /** sha-256 of the RFC 8785 form of the event without eventID, recordTime and @context (epcisEventId's content). */
  contentHash: string;
  /** The hash of the document that brought it (ImportedDocument.hash). */
  document: string;
  /** The event exactly as the partner wrote it, with its eventID (one is derived when the partner gave none). */
  event: Record<string, unknown>;
  /** When it was recorded on our ledger (the import transaction's time) and by which transaction. */
  at: string;
  txId: string;
}

/**
 * What ListImportedEvents answers: the event with the importer of its document. These are a partner's claims
 * recorded on our ledger (who imported them, when), not readings any of our devices signed.
 */
export interface ImportedEventView extends ImportedEvent {
  importer: LedgerCaller;
  /** Its document's extension context (ImportedDocument.context), when it had one. */
  context?: unknown[];
}

/** A document's @context entries other than the EPCIS 2.0 context URI (EPCIS 2.0 §9.1, JSON-LD 1.1 §3.1). */
export function extensionContextOf(doc: { '@context'?: unknown }): unknown[] {
  const c = doc['@context'];
  const list: unknown[] = Array.isArray(c) ? c : c === undefined ? [] : [c];
  return list.filter((x) => x !== EPCIS_CONTEXT_URI);
}

/**
 * The imported event as an export carries it: unchanged, and when it has no @context of its own but its
 * document declared extension namespaces, with those as the event's @context (EPCIS 2.0 allows one on an
 * event; the official schema's Event `@context`), so its extension fields stay defined. The eventID and the
 * content hash are the same: @context is no part of the content (importedContentHash).
 */
export function exportedImportedEvent(x: ImportedEventView): Record<string, unknown> {
  if (x.event['@context'] !== undefined || !x.context || x.context.length === 0) return x.event;
  return { '@context': [EPCIS_CONTEXT_URI, ...x.context], ...x.event };
}

/** The content hash an imported event is recorded under (the same content epcisEventId hashes). */
export function importedContentHash(event: Record<string, unknown>): string {
  const { eventID: _id, recordTime: _rt, '@context': _ctx, ...content } = event;
  return sha256Hex(canonicalJson(content));
}

/** Every EPC and EPC class an event names (EPCIS 2.0 §7.3.3: epcList, parentID, child/input/output lists). */
export function epcsOfEvent(event: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') out.add(v);
  };
  add(event.parentID);
  for (const k of ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList']) {
    const v = event[k];
    if (Array.isArray(v)) v.forEach(add);
  }
  for (const k of ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList']) {
    const v = event[k];
    if (Array.isArray(v)) for (const q of v) add((q as { epcClass?: unknown } | null)?.epcClass);
  }
  return [...out].sort();
}

/**
 * The EPC URIs a partner may have written for the subject: an SSCC's urn:epc:id:sscc:, an SGTIN's
 * urn:epc:id:sgtin:, a lot's class urn:epc:class:lgtin:, once per GS1 company prefix length (6-12 digits,
 * TDS §6): the split is the issuing Member Organisation's and nothing on our ledger records it
 * (gs1-epc-uri.ts), so each is looked up. The 7-digit form (our default) comes first.
 */
export function epcUrisOfSubject(subject: Gs1Subject): string[] {
  const lengths = [7, 6, 8, 9, 10, 11, 12];
  return lengths.map((n) => {
    switch (subject.kind) {
      case 'sscc':
        return ssccUrn(subject.sscc, n);
      case 'sgtin':
        return sgtinUrn(subject.gtin, subject.serial, n);
      case 'lot':
        return lgtinUrn(subject.gtin, subject.lot, n);
      default:
        return subject satisfies never;
    }
  });
}
