import { importedContentHash } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { importedEventViewSchema, isImportedEventOf } from './epcis-import-schemas.js';

const EPC = 'urn:epc:id:sscc:0614141.0000000018';
const event = {
  type: 'ObjectEvent',
  eventID: 'urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000001',
  eventTime: '2026-01-06T08:00:00.000+01:00',
  eventTimeZoneOffset: '+01:00',
  action: 'OBSERVE',
  epcList: [EPC],
};
const entry = {
  eventID: event.eventID,
  contentHash: importedContentHash(event),
  document: 'a'.repeat(64),
  event,
  at: '2026-01-06T08:05:00.000Z',
  txId: 'tx-1',
  importer: { msp: 'PartnerMSP', id: 'x509::CN=partner', cn: 'partner' },
};

// What the client accepts from ListImportedEvents: the shape, and an entry consistent with itself and the EPC.
describe('ListImportedEvents answers', () => {
  it('accepts what the contract records, and refuses an entry that is not', () => {
    expect(importedEventViewSchema.safeParse(entry).success).toBe(true);
    expect(isImportedEventOf(EPC, entry)).toBe(true);
    expect(isImportedEventOf('urn:epc:id:sscc:0614141.0000000025', entry)).toBe(false);
    expect(isImportedEventOf(EPC, { ...entry, eventID: 'urn:uuid:other' })).toBe(false);
    expect(isImportedEventOf(EPC, { ...entry, event: { ...event, action: 'ADD' } })).toBe(false);
    // recordTime is the recorder's, not the event's content.
    expect(
      isImportedEventOf(EPC, { ...entry, event: { ...event, recordTime: '2026-01-06T09:00:00Z' } }),
    ).toBe(true);
    expect(importedEventViewSchema.safeParse({ ...entry, importer: undefined }).success).toBe(false);
    expect(importedEventViewSchema.safeParse({ ...entry, document: 'not-a-hash' }).success).toBe(false);
  });
});
