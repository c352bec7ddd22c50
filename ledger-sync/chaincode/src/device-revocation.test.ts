import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryPeer } from './test-harness.js';

// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const OWNER = 'ColdtrailOrgMSP';
const OTHER = 'CarrierOrgMSP';
const KEY = 'a'.repeat(64);
const SSCC = '037612345000000014';

const shipment = () =>
  JSON.stringify({
    sscc: SSCC,
    device: 'probe-1',
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq: 1,
  });

let peer: MemoryPeer;
beforeEach(async () => {
  peer = await MemoryPeer.create();
  await peer.ok(OWNER, 'RegisterDevice', 'probe-1', KEY);
});

describe('device revocation', () => {
  it('marks the device revoked with the transaction time and the reason, keeping its registration', async () => {
    const r = await peer.invoke(OWNER, 'RevokeDevice', 'probe-1', 'box stolen in transit');
    expect(r.status).toBe(200);
    expect(r.value).toEqual({
      id: 'probe-1',
      org: OWNER,
      publicKey: KEY,
      registeredAt: '2025-03-01T08:00:01.000Z',
      status: 'revoked',
      revokedAt: '2025-03-01T08:00:02.000Z',
      reason: 'box stolen in transit',
    });
    expect(r.event?.name).toBe('DeviceRevoked');
    expect(await peer.ok(OTHER, 'GetDevice', 'probe-1')).toEqual(r.value);
  });

  it('takes an empty reason as none', async () => {
    expect(await peer.ok(OWNER, 'RevokeDevice', 'probe-1', '')).toMatchObject({ reason: null });
  });

  it('lets only the owning org revoke, and only a registered device', async () => {
    expect(await peer.refused(OTHER, 'RevokeDevice', 'probe-1', 'x')).toMatch(/^FORBIDDEN: .*owned by/);
    expect(await peer.refused(OWNER, 'RevokeDevice', 'probe-9', 'x')).toMatch(/^NOT_FOUND: .*not registered/);
    expect(await peer.ok(OWNER, 'GetDevice', 'probe-1')).not.toHaveProperty('status');
  });

  it('validates the id and the reason', async () => {
    expect(await peer.refused(OWNER, 'RevokeDevice', 'bad/id', 'x')).toMatch(/^INVALID_INPUT: device id/);
    expect(await peer.refused(OWNER, 'RevokeDevice', 'probe-1', 'a\nb')).toMatch(/^INVALID_INPUT: reason/);
    expect(await peer.refused(OWNER, 'RevokeDevice', 'probe-1', 'r'.repeat(201))).toMatch(/reason/);
  });

  it('stays revoked: a second revocation answers the first and writes nothing', async () => {
    const first = await peer.ok(OWNER, 'RevokeDevice', 'probe-1', 'first');
    const again = await peer.invoke(OWNER, 'RevokeDevice', 'probe-1', 'second');
    expect(again.value).toEqual(first);
    expect(again.writes).toEqual([]);
  });

  it('refuses to enrol a revoked device again, with the same key or another', async () => {
    await peer.ok(OWNER, 'RevokeDevice', 'probe-1', 'retired');
    expect(await peer.refused(OWNER, 'RegisterDevice', 'probe-1', KEY)).toMatch(/^CONFLICT: .*revoked/);
    expect(await peer.refused(OWNER, 'RegisterDevice', 'probe-1', 'b'.repeat(64))).toMatch(/revoked/);
    expect(await peer.ok(OWNER, 'GetDevice', 'probe-1')).toMatchObject({ status: 'revoked', publicKey: KEY });
  });

  it("anchors none of a revoked device's readings, and lets only its owner anchor before", async () => {
    const anchor = (fromSeq: number, toSeq: number) =>
      JSON.stringify({ device: 'probe-1', fromSeq, toSeq, root: '1'.repeat(64), count: toSeq - fromSeq + 1 });
    expect(await peer.refused(OTHER, 'AnchorReadings', anchor(1, 5))).toMatch(
      /^FORBIDDEN: only ColdtrailOrgMSP/,
    );
    await peer.ok(OWNER, 'AnchorReadings', anchor(1, 5));
    await peer.ok(OWNER, 'RevokeDevice', 'probe-1', 'stolen');
    expect(await peer.refused(OWNER, 'AnchorReadings', anchor(6, 9))).toMatch(
      /^CONFLICT: device probe-1 was revoked at .*: its readings are no longer anchored/,
    );
    expect(await peer.ok(OWNER, 'AnchoredUpTo', 'probe-1')).toBe(5);
  });

  it('refuses a new shipment on a revoked device', async () => {
    await peer.ok(OWNER, 'RevokeDevice', 'probe-1', 'retired');
    expect(await peer.refused(OWNER, 'CreateShipment', shipment())).toMatch(/^CONFLICT: .*revoked/);
  });
});
