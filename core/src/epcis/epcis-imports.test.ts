import { describe, expect, it } from 'vitest';
import { parseGs1Identifier } from '../gs1-identifiers.js';
import type { Gs1Subject } from '../gs1-keys.js';
import { EPCIS_CONTEXT_URI } from './epcis-export.js';
import {
  epcUrisOfSubject,
  exportedImportedEvent,
  extensionContextOf,
  type ImportedEventView,
  importedContentHash,
} from './epcis-imports.js';

describe('imported EPCIS events', () => {
  it('looks a subject up under every company prefix split, each naming the same subject', () => {
    const subjects: Gs1Subject[] = [
      { kind: 'sscc', sscc: '006141410000000012' },
      { kind: 'sgtin', gtin: '00614141107346', serial: 'P/1' },
      { kind: 'lot', gtin: '00614141107346', lot: 'L2026-07A' },
    ];
    for (const s of subjects) {
      const uris = epcUrisOfSubject(s);
      expect(new Set(uris).size).toBe(7);
      expect(uris[0]).toMatch(/:0614141\./); // our default split first
      for (const u of uris) expect(parseGs1Identifier(u)).toEqual(s);
    }
  });

  it("keeps a document's extension namespaces and puts them on an exported event that has no @context", () => {
    const doc = { '@context': [EPCIS_CONTEXT_URI, { example: 'http://ns.example.com/epcis/' }] };
    expect(extensionContextOf(doc)).toEqual([{ example: 'http://ns.example.com/epcis/' }]);
    expect(extensionContextOf({ '@context': EPCIS_CONTEXT_URI })).toEqual([]);
    const event = {
      type: 'ObjectEvent',
      eventID: 'urn:uuid:1',
      eventTime: '2026-01-01T00:00:00Z',
      'example:x': 1,
    };
    const x: ImportedEventView = {
      eventID: 'urn:uuid:1',
      contentHash: importedContentHash(event),
      document: 'd'.repeat(64),
      event,
      at: '2026-01-01T00:00:01.000Z',
      txId: 't',
      importer: { msp: 'PartnerMSP', id: 'i', cn: 'c' },
      context: extensionContextOf(doc),
    };
    const out = exportedImportedEvent(x);
    expect(out['@context']).toEqual(doc['@context']);
    expect(importedContentHash(out)).toBe(x.contentHash); // the same content
    expect(exportedImportedEvent({ ...x, context: undefined })).toBe(event);
    const own = { ...event, '@context': ['urn:own'] };
    expect(exportedImportedEvent({ ...x, event: own })).toBe(own);
  });
});
