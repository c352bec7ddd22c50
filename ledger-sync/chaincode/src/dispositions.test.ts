import { beforeEach, describe, expect, it } from 'vitest';
import { CARRIER, GTIN, LOT, OWNER, PHARMA, SSCC } from './quality-fixtures.test-kit.js';
import { roleCaller } from './test-certificates.test-kit.js';
import { MemoryPeer } from './test-harness.js';

// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const SGTIN = { gtin: GTIN, serial: 'SN0001' };
const quality = await roleCaller(PHARMA, 'anna.qp', 'quality');
const carrierUser = await roleCaller(CARRIER, 'driver1', 'carrier');

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
});

const set = (action: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ subject: LOT, action, signer: 'Anna Muster', reason: `${action} reason`, ...over });

describe('dispositions', () => {
  it('records each allowed transition as a new step with its CBV 2.0 value, signer, caller and time', async () => {
    const q = (await peer.ok(CARRIER, 'SetDisposition', set('quarantine', { reason: null }))) as Record<
      string,
      unknown
    >;
    expect(q).toMatchObject({
      seq: 1,
      action: 'quarantine',
      disposition: 'quarantined',
      cbvDisposition: 'non_sellable_other',
      previous: null,
      reason: null,
      signer: 'Anna Muster',
      caller: { msp: CARRIER, cn: 'chaincode-test-client' },
      at: '2025-03-01T08:00:01.000Z',
    });
    const r = await peer.invoke(quality, 'SetDisposition', set('release'));
    expect(r.status).toBe(200);
    expect(r.event?.name).toBe('DispositionChanged');
    expect(r.value).toMatchObject({
      seq: 2,
      disposition: 'released',
      cbvDisposition: 'conformant',
      previous: 'quarantined',
      caller: { msp: PHARMA, cn: 'anna.qp' },
    });
    await peer.ok(OWNER, 'SetDisposition', set('quarantine'));
    expect(await peer.ok(quality, 'SetDisposition', set('reject'))).toMatchObject({
      seq: 4,
      cbvDisposition: 'non_conformant',
    });
    expect(await peer.ok(quality, 'SetDisposition', set('destroy'))).toMatchObject({
      seq: 5,
      disposition: 'destroyed',
      cbvDisposition: 'destroyed',
      previous: 'rejected',
    });
    expect(await peer.ok(OWNER, 'GetDisposition', JSON.stringify(LOT))).toMatchObject({ seq: 5 });
  });

  it('refuses transitions the state does not allow (CONFLICT) and writes nothing', async () => {
    expect(await peer.refused(quality, 'SetDisposition', set('release'))).toMatch(
      /^CONFLICT: lot L2025-01 .* is without disposition; a release is allowed only from quarantined/,
    );
    expect(await peer.refused(quality, 'SetDisposition', set('destroy'))).toMatch(/^CONFLICT/);
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine'));
    expect(await peer.refused(CARRIER, 'SetDisposition', set('quarantine', { reason: 'again' }))).toMatch(
      /^CONFLICT: .* is quarantined/,
    );
    await peer.ok(quality, 'SetDisposition', set('release'));
    expect(await peer.refused(quality, 'SetDisposition', set('reject'))).toMatch(/^CONFLICT: .* is released/);
    expect(await peer.refused(quality, 'SetDisposition', set('destroy'))).toMatch(/^CONFLICT/);
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine'));
    await peer.ok(quality, 'SetDisposition', set('destroy'));
    // Destroyed is final: not even a quarantine.
    expect(await peer.refused(CARRIER, 'SetDisposition', set('quarantine', { reason: 'x' }))).toMatch(
      /^CONFLICT: .* is destroyed/,
    );
    expect(await peer.refused(quality, 'SetDisposition', set('release', { reason: 'x' }))).toMatch(
      /^CONFLICT/,
    );
    expect(await peer.ok(OWNER, 'GetDisposition', JSON.stringify(LOT))).toMatchObject({ seq: 4 });
  });

  it('lets only a caller with coldtrail.role=quality release, reject or destroy (FORBIDDEN otherwise)', async () => {
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine'));
    for (const who of [OWNER, CARRIER, carrierUser]) {
      for (const action of ['release', 'reject', 'destroy']) {
        const msg = await peer.refused(who, 'SetDisposition', set(action));
        expect(msg).toMatch(/^FORBIDDEN: a .* needs a certificate with attribute coldtrail\.role=quality/);
      }
    }
    expect(await peer.refused(carrierUser, 'SetDisposition', set('release'))).toContain(
      'driver1 of CarrierOrgMSP has coldtrail.role=carrier',
    );
    expect(await peer.ok(OWNER, 'GetDisposition', JSON.stringify(LOT))).toMatchObject({ seq: 1 });
  });

  it('needs a reason for release, reject and destroy', async () => {
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine'));
    for (const action of ['release', 'reject', 'destroy']) {
      expect(await peer.refused(quality, 'SetDisposition', set(action, { reason: null }))).toBe(
        `INVALID_INPUT: a ${action} needs a reason`,
      );
    }
    const noReason = JSON.stringify({ subject: LOT, action: 'release', signer: 'Anna Muster' });
    expect(await peer.refused(quality, 'SetDisposition', noReason)).toMatch(/needs a reason/);
  });

  it('answers a retry of the newest decision with the same step and writes nothing', async () => {
    const first = await peer.ok(CARRIER, 'SetDisposition', set('quarantine'));
    const again = await peer.invoke(CARRIER, 'SetDisposition', set('quarantine'));
    expect(again.value).toEqual(first);
    expect(again.writes).toEqual([]);
  });

  it('keeps lots, SSCCs and SGTINs apart and validates them', async () => {
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine'));
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine', { subject: SGTIN }));
    expect(await peer.ok(OWNER, 'GetDisposition', JSON.stringify({ gtin: GTIN, lot: 'L2025-0' }))).toBeNull();
    expect(await peer.ok(OWNER, 'GetDisposition', JSON.stringify(SGTIN))).toMatchObject({ subject: SGTIN });
    expect(
      await peer.refused(OWNER, 'GetDisposition', JSON.stringify({ gtin: '07612345678901', lot: 'L' })),
    ).toMatch(/wrong GS1 check digit/);
    expect(await peer.refused(OWNER, 'GetDisposition', JSON.stringify({ gtin: GTIN }))).toMatch(
      /INVALID_INPUT/,
    );
    expect(await peer.refused(OWNER, 'SetDisposition', set('discard'))).toMatch(/action must be one of/);
  });

  it('lets only the custodian or the owner quarantine a shipped SSCC', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', 'a'.repeat(64));
    await peer.ok(
      OWNER,
      'CreateShipment',
      JSON.stringify({
        sscc: SSCC,
        device: 'probe-1',
        origin: 'Basel DC',
        destination: 'Zurich pharmacy',
        product: 'Vaccine X',
        profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
        fromSeq: 1,
      }),
    );
    const onSscc = set('quarantine', { subject: { sscc: SSCC } });
    expect(await peer.refused(CARRIER, 'SetDisposition', onSscc)).toMatch(
      /^FORBIDDEN: only the custodian \(ColdtrailOrgMSP\) or the owner of SSCC/,
    );
    expect(await peer.ok(OWNER, 'SetDisposition', onSscc)).toMatchObject({ subject: { sscc: SSCC } });
  });

  it('pages the trail oldest first, every step exactly once, with bookmarks', async () => {
    for (let i = 0; i < 11; i++) {
      await peer.ok(CARRIER, 'SetDisposition', set('quarantine', { reason: `hold ${i}` }));
      await peer.ok(quality, 'SetDisposition', set('release', { reason: `ok ${i}` }));
    }
    const seen: number[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const page = (await peer.ok(OWNER, 'GetDispositionTrail', JSON.stringify(LOT), '5', bookmark)) as {
        records: { seq: number; signer: string; reason: string; at: string; cbvDisposition: string }[];
        fetchedRecordsCount: number;
        bookmark: string;
      };
      expect(page.fetchedRecordsCount).toBe(page.records.length);
      seen.push(...page.records.map((r) => r.seq));
      bookmark = page.bookmark;
      pages++;
      expect(bookmark.includes(String.fromCharCode(0))).toBe(false);
    } while (bookmark !== '');
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    const all = (await peer.ok(OWNER, 'GetDispositionTrail', JSON.stringify(LOT), '1000', '')) as {
      records: { reason: string; at: string; cbvDisposition: string }[];
    };
    expect(all.records.map((r) => r.reason).slice(0, 3)).toEqual(['hold 0', 'ok 0', 'hold 1']);
    expect(all.records.map((r) => r.cbvDisposition).slice(0, 2)).toEqual([
      'non_sellable_other',
      'conformant',
    ]);
    const times = all.records.map((r) => r.at);
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBe(22);
  });

  it('refuses a bad page size or a bookmark from another list', async () => {
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine'));
    await peer.ok(CARRIER, 'SetDisposition', set('quarantine', { subject: SGTIN }));
    const trail = JSON.stringify(SGTIN);
    expect(await peer.refused(OWNER, 'GetDispositionTrail', trail, '0', '')).toMatch(/pageSize must be/);
    expect(await peer.refused(OWNER, 'GetDispositionTrail', trail, '1001', '')).toMatch(/pageSize must be/);
    const foreign = Buffer.from('\u0000dispstep\u0000lot\u0000x\u0000', 'utf8').toString('base64url');
    expect(await peer.refused(OWNER, 'GetDispositionTrail', trail, '5', foreign)).toMatch(
      /^INVALID_INPUT: bookmark is not one this query returned/,
    );
  });
});
