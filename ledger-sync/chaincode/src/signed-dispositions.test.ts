import { randomBytes } from 'node:crypto';
import {
  bytesToHex,
  canonicalBytes,
  dispositionStatement,
  nobleSigner,
  publicKeyFromSecret,
  SIGNATURE_MEANING,
} from '@coldtrail/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { CARRIER, LOT, OWNER, PHARMA } from './quality-fixtures.test-kit.js';
import { roleCaller } from './test-certificates.test-kit.js';
import { MemoryPeer } from './test-harness.js';

// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const carrierUser = await roleCaller(CARRIER, 'driver1', 'carrier');
const qualityUser = await roleCaller(PHARMA, 'anna.qp', 'quality');
const FULL_NAME = 'Dr. Jane Roe';

let peer: MemoryPeer;
let seed: Uint8Array;
beforeEach(async () => {
  peer = await MemoryPeer.create();
  seed = randomBytes(32);
  await peer.ok(
    PHARMA,
    'SetDisposition',
    JSON.stringify({ subject: LOT, action: 'quarantine', signer: 'x', reason: null }),
  );
});

const register = (who: Parameters<MemoryPeer['ok']>[0], key = seed, name = 'jroe') =>
  peer.invoke(
    who,
    'RegisterSigner',
    JSON.stringify({ name, fullName: FULL_NAME, publicKey: publicKeyFromSecret(key) }),
  );

/** A signed release request as the CLI sends it; `edit` changes the request after signing. */
async function signedRelease(
  opts: { key?: Uint8Array; org?: string; edit?: (r: Record<string, unknown>) => void } = {},
) {
  const signature = {
    fullName: FULL_NAME,
    org: opts.org ?? PHARMA,
    meaning: SIGNATURE_MEANING.release,
    signedAt: new Date(peer.time + 1000).toISOString(),
  };
  const base = {
    subject: LOT,
    action: 'release' as const,
    reason: 'excursion reviewed: 0.4 h above 8 °C',
    signer: 'jroe',
  };
  const value = bytesToHex(
    await nobleSigner(opts.key ?? seed)(canonicalBytes(dispositionStatement({ ...base, signature }))),
  );
  const request: Record<string, unknown> = {
    ...base,
    signature: {
      fullName: signature.fullName,
      meaning: signature.meaning,
      signedAt: signature.signedAt,
      value,
    },
  };
  opts.edit?.(request);
  return JSON.stringify(request);
}

describe('signers', () => {
  it('registers a signer once per org; the key is never replaced; the org identity or a quality user may register', async () => {
    const r = await register(PHARMA);
    expect(r.status).toBe(200);
    expect(r.event?.name).toBe('SignerRegistered');
    expect(r.value).toMatchObject({
      org: PHARMA,
      name: 'jroe',
      fullName: FULL_NAME,
      at: '2025-03-01T08:00:02.000Z',
    });
    expect((await register(PHARMA)).status).toBe(200); // a retry
    const other = await register(PHARMA, randomBytes(32));
    expect(other.message).toMatch(
      /^CONFLICT: signer jroe of PharmaOrgMSP is registered already .* never replaced/,
    );
    expect((await register(qualityUser, seed, 'anna')).status).toBe(200);
    expect(await peer.ok(OWNER, 'GetSigner', PHARMA, 'jroe')).toMatchObject({
      publicKey: publicKeyFromSecret(seed),
    });
    expect(await peer.ok(OWNER, 'GetSigner', CARRIER, 'jroe')).toBeNull();
  });

  it('refuses a registration by a CA-issued certificate without the quality role', async () => {
    const r = await register(carrierUser);
    expect(r.message).toMatch(
      /^FORBIDDEN: registering a signer for CarrierOrgMSP needs .*coldtrail.role=quality/,
    );
    expect(r.writes).toEqual([]);
  });
});

describe('signed dispositions', () => {
  it('accepts a good signature from the org identity without the role and stores it with the step', async () => {
    await register(PHARMA);
    const step = (await peer.ok(PHARMA, 'SetDisposition', await signedRelease())) as Record<string, unknown>;
    expect(step).toMatchObject({
      seq: 2,
      action: 'release',
      disposition: 'released',
      cbvDisposition: 'conformant',
      signer: 'jroe',
      signature: {
        fullName: FULL_NAME,
        org: PHARMA,
        meaning: SIGNATURE_MEANING.release,
        algorithm: 'Ed25519',
        publicKey: publicKeyFromSecret(seed),
      },
    });
    const trail = (await peer.ok(OWNER, 'GetDispositionTrail', JSON.stringify(LOT), '10', '')) as {
      records: Record<string, unknown>[];
    };
    expect(trail.records[1]?.signature).toEqual(step.signature);
  });

  it('still refuses an unsigned release without the role', async () => {
    const msg = await peer.refused(
      PHARMA,
      'SetDisposition',
      JSON.stringify({ subject: LOT, action: 'release', signer: 'jroe', reason: 'r' }),
    );
    expect(msg).toMatch(/^FORBIDDEN: a release .* needs a certificate with attribute coldtrail.role=quality/);
  });

  it.each([
    [
      'an edited reason',
      { edit: (r: Record<string, unknown>) => (r.reason = 'no review needed') },
      /^FORBIDDEN: the signature of jroe .* does not verify/,
    ],
    [
      'an edited subject',
      { edit: (r: Record<string, unknown>) => (r.subject = { ...LOT, lot: 'L2025-02' }) },
      /^FORBIDDEN: the signature of jroe/,
    ],
    [
      'a reject presented as a release',
      { edit: (r: Record<string, unknown>) => (r.action = 'reject') },
      /^INVALID_INPUT: signature.meaning of a reject must be/,
    ],
    ['a wrong key', { key: randomBytes(32) }, /^FORBIDDEN: the signature of jroe .* does not verify/],
    ['a statement naming another org', { org: CARRIER }, /^FORBIDDEN: the signature of jroe/],
    [
      'another printed name',
      {
        edit: (r: Record<string, unknown>) =>
          ((r.signature as Record<string, unknown>).fullName = 'Jane Roe'),
      },
      /^INVALID_INPUT: signature.fullName "Jane Roe" is not jroe's registered name/,
    ],
    [
      'a stale signing time',
      {
        edit: (r: Record<string, unknown>) =>
          ((r.signature as Record<string, unknown>).signedAt = '2025-03-01T07:00:00.000Z'),
      },
      /^INVALID_INPUT: signature.signedAt .* too far from the transaction time/,
    ],
  ])('refuses %s and writes nothing', async (_what, opts, message) => {
    await register(PHARMA);
    const r = await peer.invoke(PHARMA, 'SetDisposition', await signedRelease(opts));
    expect(r.status).not.toBe(200);
    expect(r.message).toMatch(message);
    expect(r.writes).toEqual([]);
    expect(await peer.ok(OWNER, 'GetDisposition', JSON.stringify(LOT))).toMatchObject({ seq: 1 });
  });

  it('refuses a signature made before the current step (an old release presented after a new quarantine)', async () => {
    await register(PHARMA);
    const first = await signedRelease();
    await peer.ok(PHARMA, 'SetDisposition', first);
    await peer.ok(
      PHARMA,
      'SetDisposition',
      JSON.stringify({ subject: LOT, action: 'quarantine', signer: 'x', reason: 'second alarm' }),
    );
    const r = await peer.invoke(PHARMA, 'SetDisposition', first);
    expect(r.message).toMatch(/^INVALID_INPUT: the signature was made at .* before the current step 3/);
    expect(r.writes).toEqual([]);
    expect((await peer.ok(PHARMA, 'SetDisposition', await signedRelease())) as { seq: number }).toMatchObject(
      {
        seq: 4,
      },
    );
  });

  it('refuses an unregistered signer, and a signer of another org presented by this one', async () => {
    expect(await peer.refused(PHARMA, 'SetDisposition', await signedRelease())).toMatch(
      /^NOT_FOUND: signer jroe is not registered for PharmaOrgMSP/,
    );
    await register(CARRIER);
    // The carrier's signer signs a statement naming the carrier, submitted as the pharma org: the pharma org
    // has no signer jroe, and the carrier may not release the pharma's lot through it either.
    expect(await peer.refused(PHARMA, 'SetDisposition', await signedRelease({ org: CARRIER }))).toMatch(
      /^NOT_FOUND: signer jroe is not registered for PharmaOrgMSP/,
    );
  });
});
