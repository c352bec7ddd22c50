import type { ImportedEventView } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { importedLines } from './imported-text.js';
import { renderProvenance } from './provenance-text.js';
import { tripReport } from './trip-report-fixture.test-kit.js';
import { renderTripReport } from './trip-report-html.js';

const HOSTILE = '<script>alert(1)</script>"\'&';
const partner = (over: Partial<ImportedEventView['event']> = {}): ImportedEventView => ({
  eventID: 'urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000001',
  contentHash: 'c'.repeat(64),
  document: 'd'.repeat(64),
  event: {
    type: 'ObjectEvent',
    eventID: 'urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000001',
    eventTime: '2026-03-02T09:00:00.000+01:00',
    eventTimeZoneOffset: '+01:00',
    action: 'OBSERVE',
    bizStep: 'receiving',
    ...over,
  },
  at: '2026-03-03T10:00:00.000Z',
  txId: 'f'.repeat(64),
  importer: { msp: 'PartnerMSP', id: 'x509::CN=p', cn: 'p' },
});

// The partner events of a provenance answer, labelled as a partner's claims, in the text and HTML forms.
describe('imported EPCIS events in the renderings', () => {
  it('text: a labelled block with time, type, bizStep, eventID, document, importer and recording time', () => {
    const text = renderProvenance({ ...tripReport(), imported: [partner()] });
    expect(text).toContain(
      "Partner events (imported EPCIS)  1: a partner's claims recorded on this ledger, not verified readings",
    );
    expect(text).toContain(
      '  2026-03-02T09:00:00.000+01:00  ObjectEvent  receiving  urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000001',
    );
    expect(text).toContain(`document ${'d'.repeat(16)}…  imported by PartnerMSP 2026-03-03 10:00Z`);
    expect(renderProvenance({ ...tripReport(), imported: [] })).toContain(
      'Partner events (imported EPCIS)  none',
    );
    expect(renderProvenance(tripReport())).not.toContain('Partner events');
  });

  it("text: a partner's control characters never reach the terminal", () => {
    const lines = importedLines([partner({ bizStep: 'receiving\u001b[2J\u0007' })]).join('\n');
    expect(lines).not.toMatch(/\p{Cc}(?<!\n)/u);
    expect(lines).toContain('receiving?[2J?');
  });

  it('HTML: a small table under its own heading, every partner string escaped', () => {
    const hostile = partner({ bizStep: HOSTILE, type: `<img src=x onerror=alert(2)>` });
    const html = renderTripReport({ ...tripReport(), imported: [hostile] }, [], {
      generatedAt: new Date('2026-03-04T00:00:00.000Z'),
    });
    expect(html).toContain('<h2>Partner events (imported EPCIS)</h2>');
    expect(html).toContain("A partner's claims");
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    expect(html).toContain('PartnerMSP');
    expect(renderTripReport(tripReport(), [])).not.toContain('Partner events');
  });
});
