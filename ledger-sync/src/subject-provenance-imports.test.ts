import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { checkEpcisDocument, importedContentHash, toLgtinUrn, toSsccUrn } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './fixtures.test-kit.js';
import { IMPORTED_LIMIT } from './imported-events.js';
import { openEmbeddedLedger } from './ledger/index.js';
import { type LedgerSyncQuery, openQuery } from './query.js';
import { buildSubjectDataDir, GTIN, LOT, SSCC1 } from './subject-data-dir.test-kit.js';

// Partner EPCIS events (imported on the ledger) in the provenance of an SSCC and a lot, against a real
// embedded ledger; the import's state is covered by the answer's `ledger` check, not believed (issue 9).
const PARTNER = 'PartnerMSP';
const event = (id: string, at: string, what: Record<string, unknown>, bizStep: string) => ({
  type: 'ObjectEvent',
  eventID: id,
  eventTime: at,
  eventTimeZoneOffset: '+01:00',
  action: 'OBSERVE',
  bizStep,
  ...what,
});
const partnerDocument = () => ({
  '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: '2026-01-06T09:00:00.000+01:00',
  epcisBody: {
    eventList: [
      // The pallet under the 7-digit split we use, and under a 9-digit one a partner's MO might have issued.
      event(
        'urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000001',
        '2026-01-06T08:00:00.000+01:00',
        {
          epcList: [toSsccUrn(SSCC1)],
        },
        'receiving',
      ),
      event(
        'urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000002',
        '2026-01-06T07:00:00.000+01:00',
        {
          epcList: [toSsccUrn(SSCC1, 9)],
        },
        'arriving',
      ),
      event(
        'urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000003',
        '2026-01-06T08:30:00.000+01:00',
        {
          epcList: [],
          quantityList: [{ epcClass: toLgtinUrn(GTIN, LOT), quantity: 40 }],
        },
        'storing',
      ),
    ],
  },
});

describe('provenance with imported partner EPCIS events', () => {
  let dir: ReturnType<typeof tempDir>;
  let query: LedgerSyncQuery;
  const text = JSON.stringify(partnerDocument());
  const hash = createHash('sha256').update(text, 'utf8').digest('hex');

  beforeAll(async () => {
    dir = tempDir();
    await buildSubjectDataDir(dir.path);
    expect(checkEpcisDocument(JSON.parse(text))).toMatchObject({ ok: true });
    const ledger = await openEmbeddedLedger({ path: dir.path });
    try {
      await ledger.port(PARTNER).submit('ImportEpcisDocument', [text]);
    } finally {
      await ledger.close();
    }
    query = await openQuery({ dataDir: dir.path });
  });
  afterAll(async () => {
    await query.close();
    dir.cleanup();
  });

  it("lists an SSCC's partner events under any company prefix split, oldest first, with document and importer", async () => {
    const report = await query.provenance(SSCC1);
    expect(report.verification.ok).toBe(true);
    expect(report.imported?.map((e) => [e.eventID, e.event.bizStep])).toEqual([
      ['urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000002', 'arriving'],
      ['urn:uuid:0c1d0e4e-0001-4b1a-9c55-000000000001', 'receiving'],
    ]);
    for (const e of report.imported ?? []) {
      expect(e).toMatchObject({ document: hash, importer: { msp: PARTNER } });
      expect(e.at).toMatch(/Z$/);
      // Unchanged: the event as the partner wrote it.
      expect(partnerDocument().epcisBody.eventList).toContainEqual(e.event);
    }
    expect(report.limits).toContain(IMPORTED_LIMIT);
  });

  it("lists a lot's partner events (its LGTIN class) on the lot, and each pallet's on its shipment", async () => {
    const r = await query.subjectProvenance({ kind: 'lot', gtin: GTIN, lot: LOT });
    if (r.kind === 'sscc') throw new Error('expected an item answer');
    expect(r.imported.map((e) => e.event.bizStep)).toEqual(['storing']);
    expect(r.shipments[0]?.provenance.imported).toHaveLength(2);
    expect(r.limits).toContain(IMPORTED_LIMIT);
    const none = await query.subjectProvenance({ kind: 'sgtin', gtin: GTIN, serial: 'SN-001' });
    if (none.kind === 'sscc') throw new Error('expected an item answer');
    expect(none.imported).toEqual([]);
    // Its pallet's partner events ride with the pallet's report, and so does the limit they bring.
    expect(none.shipments[0]?.provenance.imported).toHaveLength(2);
    expect(none.limits).toContain(IMPORTED_LIMIT);
  });

  it('fails the ledger check when an imported event was changed in the state', async () => {
    const copy = tempDir();
    try {
      await buildSubjectDataDir(copy.path);
      const ledger = await openEmbeddedLedger({ path: copy.path });
      try {
        await ledger.port(PARTNER).submit('ImportEpcisDocument', [text]);
      } finally {
        await ledger.close();
      }
      const db = new Database(join(copy.path, 'ledger.sqlite'));
      const rows = db.prepare('SELECT key, value FROM state').all() as { key: Buffer; value: Buffer }[];
      const row = rows.find((x) => x.value.toString().includes('"bizStep":"receiving"'));
      if (!row) throw new Error('the imported event is not in the state');
      // A careful forger: the event changed and its content hash with it, so the entry is self-consistent and
      // only the ledger check (the state against what the import transaction wrote) can see it.
      const stored = JSON.parse(row.value.toString()) as {
        event: Record<string, unknown>;
        contentHash: string;
      };
      stored.event.bizStep = 'inspecting';
      stored.contentHash = importedContentHash(stored.event);
      db.prepare('UPDATE state SET value = ? WHERE key = ?').run(
        Buffer.from(JSON.stringify(stored)),
        row.key,
      );
      db.close();
      const q = await openQuery({ dataDir: copy.path });
      try {
        const report = await q.provenance(SSCC1);
        expect(report.verification.ok).toBe(false);
        expect(report.imported?.find((e) => e.event.bizStep === 'inspecting')).toBeDefined();
        expect(report.verification.checks.find((c) => c.name === 'ledger')).toMatchObject({
          ok: false,
          detail: expect.stringMatching(/state key .*epcisevent/),
        });
      } finally {
        await q.close();
      }
    } finally {
      copy.cleanup();
    }
  });
});
