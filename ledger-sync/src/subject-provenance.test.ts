import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG, tempDir } from './fixtures.test-kit.js';
import { type LedgerSyncQuery, openQuery } from './query.js';
import {
  buildSubjectDataDir,
  CARRIER,
  CASE,
  DC,
  DESTINATION,
  EXPIRY,
  GTIN,
  LOT,
  ORIGIN,
  SSCC1,
  SSCC2,
} from './subject-data-dir.test-kit.js';
import type { ItemProvenanceReport } from './subject-provenance.js';

// Provenance of an SGTIN or a lot through every shipment that carried it, against a real embedded ledger
// and reading store in a temp dir, read through the read-only query face (issue 9).
describe('subjectProvenance', () => {
  let dir: ReturnType<typeof tempDir>;
  let query: LedgerSyncQuery;
  const item = async (subject: Parameters<LedgerSyncQuery['subjectProvenance']>[0]) => {
    const r = await query.subjectProvenance(subject);
    if (r.kind === 'sscc') throw new Error('expected an item answer');
    return r as ItemProvenanceReport;
  };

  beforeAll(async () => {
    dir = tempDir();
    await buildSubjectDataDir(dir.path);
    query = await openQuery({ dataDir: dir.path });
  });
  afterAll(async () => {
    await query.close();
    dir.cleanup();
  });

  it('answers a lot through both shipments: declared in one, inside a case in the other', async () => {
    const r = await item({ kind: 'lot', gtin: GTIN, lot: LOT });
    expect(r.shipments.map((s) => [s.sscc, s.path])).toEqual([
      [SSCC1, [SSCC1]],
      [SSCC2, [CASE, SSCC2]],
    ]);
    expect(r.shipments[0]?.lines).toEqual([{ gtin: GTIN, lot: LOT, expiry: EXPIRY, quantity: 40 }]);
    expect(r.shipments[1]?.lines).toEqual([]);
    for (const s of r.shipments) {
      expect(s.provenance.sscc).toBe(s.sscc);
      expect(s.provenance.readings.count).toBe(30);
    }
    expect(r.verification).toEqual({
      ok: true,
      shipments: [
        { sscc: SSCC1, ok: true, failed: [] },
        { sscc: SSCC2, ok: true, failed: [] },
      ],
    });
    expect(r.expiries).toEqual([EXPIRY]);
    expect(r.identifiers).toEqual({
      elementString: `(01)${GTIN}(10)${LOT}`,
      digitalLink: `https://id.gs1.org/01/${GTIN}/10/${LOT}`,
      epc: `urn:epc:class:lgtin:0614141.010734.${LOT}`,
    });
  });

  it('gives the recall scope of the lot: every SSCC, site and custodian it touched', async () => {
    const { recallScope } = await item({ kind: 'lot', gtin: GTIN, lot: LOT });
    expect(recallScope.ssccs).toEqual(
      [
        { sscc: SSCC1, role: 'shipment' },
        { sscc: SSCC2, role: 'shipment' },
        { sscc: CASE, role: 'container' },
      ].sort((a, b) => (a.sscc < b.sscc ? -1 : 1)),
    );
    expect(recallScope.custodians).toEqual([CARRIER, ORG].sort());
    const sites = Object.fromEntries(recallScope.sites.map((s) => [s.location, [s.site, s.roles, s.ssccs]]));
    expect(sites).toEqual({
      [ORIGIN]: ['0614141000012', ['origin'], [SSCC1, SSCC2]],
      [DESTINATION]: ['0614141000029', ['destination'], [SSCC1, SSCC2]],
      [DC]: ['0614141000036', ['custody', 'receipt'], [SSCC1]],
    });
  });

  it('carries the disposition trail and the stability budget of the lot', async () => {
    const r = await item({ kind: 'lot', gtin: GTIN, lot: LOT });
    expect(r.disposition.current).toMatchObject({ disposition: 'released', seq: 2, signer: 'Dr. B. Keller' });
    expect(r.disposition.trail.map((s) => [s.action, s.caller.msp])).toEqual([
      ['quarantine', ORG],
      ['release', 'QualityMSP'],
    ]);
    expect(r.stabilityBudget).toMatchObject({
      allowedMinutes: 120,
      consumedMinutes: 12,
      remainingMinutes: 108,
      exceeded: false,
    });
    // Each carrying shipment's own disposition: none was put on hold.
    expect(r.shipments.map((s) => s.disposition)).toEqual([null, null]);
  });

  it('answers an SGTIN through the one shipment that carried it, directly or in a case', async () => {
    const direct = await item({ kind: 'sgtin', gtin: GTIN, serial: 'SN-001' });
    expect(direct.shipments.map((s) => s.sscc)).toEqual([SSCC1]);
    expect(direct.shipments[0]?.lines).toEqual([{ gtin: GTIN, serial: 'SN-001' }]);
    expect(direct.disposition).toEqual({ current: null, trail: [] });
    expect(direct.stabilityBudget).toMatchObject({ allowedMinutes: 120, consumedMinutes: 0 });
    expect(direct.verification.ok).toBe(true);
    const packed = await item({ kind: 'sgtin', gtin: GTIN, serial: 'SN-003' });
    expect(packed.shipments.map((s) => s.path)).toEqual([[CASE, SSCC2]]);
    expect(packed.aggregation.map((m) => [m.parent, m.action])).toEqual([
      [CASE, 'aggregated'],
      [SSCC2, 'aggregated'],
    ]);
  });

  it('says so when no shipment carried the subject, and does not verify an empty answer', async () => {
    const r = await item({ kind: 'sgtin', gtin: GTIN, serial: 'SN-999' });
    expect(r.shipments).toEqual([]);
    expect(r.verification).toEqual({ ok: false, shipments: [] });
    expect(r.limits).toContain(`no shipment on this ledger carried SGTIN ${GTIN} serial SN-999`);
  });

  it('answers an SSCC with exactly the shipment provenance report', async () => {
    const r = await query.subjectProvenance({ kind: 'sscc', sscc: SSCC1 });
    expect(r.kind).toBe('sscc');
    if (r.kind !== 'sscc') return;
    expect(r.report).toEqual(await query.provenance(SSCC1));
    expect(r.verification.ok).toBe(true);
  });
});

describe('subjectProvenance of a lot with one shipment tampered', () => {
  it('fails the whole answer and names the shipment and the check', async () => {
    const dir = tempDir();
    try {
      await buildSubjectDataDir(dir.path);
      const db = new Database(join(dir.path, 'readings.db'));
      db.prepare("UPDATE readings SET value = value + 10 WHERE device = 'dev-2' AND seq = 7").run();
      db.close();
      const query = await openQuery({ dataDir: dir.path });
      try {
        const r = await query.subjectProvenance({ kind: 'lot', gtin: GTIN, lot: LOT });
        expect(r.verification.ok).toBe(false);
        if (r.kind === 'sscc') throw new Error('expected an item answer');
        expect(r.verification.shipments[0]).toEqual({ sscc: SSCC1, ok: true, failed: [] });
        expect(r.verification.shipments[1]?.sscc).toBe(SSCC2);
        expect(r.verification.shipments[1]?.failed).toContain('hash-chain');
      } finally {
        await query.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
