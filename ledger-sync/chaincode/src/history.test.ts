import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryPeer } from './test-harness.js';

// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const OWNER = 'ColdtrailOrgMSP';
const GTIN = '07612345678900';
const SSCC = '037612345000000014';

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
});

type Page = {
  records: { txId: string; timestamp: string; isDelete: boolean; value: { status?: string } | null }[];
  bookmark: string;
};

describe('GetHistory', () => {
  it('answers every committed version of a key, newest first, with txId and time', async () => {
    await peer.ok(OWNER, 'RegisterDevice', 'probe-1', 'a'.repeat(64));
    const reg = await peer.invoke(OWNER, 'RegisterDevice', 'probe-1', 'a'.repeat(64)); // a retry: no version
    expect(reg.writes).toEqual([]);
    const revoke = await peer.invoke(OWNER, 'RevokeDevice', 'probe-1', 'lost');
    const page = (await peer.ok(OWNER, 'GetHistory', 'device', 'probe-1', '10', '')) as Page;
    expect(page.records.map((r) => r.value?.status ?? 'active')).toEqual(['revoked', 'active']);
    expect(page.records[0]).toMatchObject({
      txId: revoke.txId,
      isDelete: false,
      timestamp: '2025-03-01T08:00:03.000Z',
    });
    expect(page.bookmark).toBe('');
  });

  it('takes attributes as a JSON array and pages with a txId bookmark, each version once', async () => {
    const subject = { gtin: GTIN, lot: 'L1' };
    const { certificateWith } = await import('./test-certificates.test-kit.js');
    const quality = { org: OWNER, certificate: await certificateWith('qp', { 'coldtrail.role': 'quality' }) };
    const txIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const q = await peer.invoke(
        OWNER,
        'SetDisposition',
        JSON.stringify({ subject, action: 'quarantine', signer: 'A', reason: null }),
      );
      const r = await peer.invoke(
        quality,
        'SetDisposition',
        JSON.stringify({ subject, action: 'release', signer: 'B', reason: `ok ${i}` }),
      );
      txIds.push(q.txId, r.txId);
    }
    const attrs = JSON.stringify(['lot', GTIN, 'L1']);
    const seen: string[] = [];
    let bookmark = '';
    do {
      const page = (await peer.ok(OWNER, 'GetHistory', 'disposition', attrs, '3', bookmark)) as Page;
      seen.push(...page.records.map((r) => r.txId));
      bookmark = page.bookmark;
    } while (bookmark !== '');
    expect(seen).toEqual([...txIds].reverse());
    expect(await peer.refused(OWNER, 'GetHistory', 'disposition', attrs, '3', 'tx-nope')).toMatch(/bookmark/);
    expect(await peer.refused(OWNER, 'GetHistory', 'Shipment!', SSCC, '3', '')).toMatch(/objectType/);
    expect(await peer.ok(OWNER, 'GetHistory', 'shipment', SSCC, '3', '')).toEqual({
      records: [],
      fetchedRecordsCount: 0,
      bookmark: '',
    });
  });
});
