import { randomBytes } from 'node:crypto';
import {
  bytesToHex,
  canonicalBytes,
  hexToBytes,
  nobleSigner,
  publicKeyFromSecret,
  STABILITY_BUDGET_MEANING,
  type StabilityBudgetDefinition,
  stabilityBudgetStatement,
  verifyEd25519,
} from '@coldtrail/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { CARRIER, GTIN, PHARMA } from './quality-fixtures.test-kit.js';
import { roleCaller } from './test-certificates.test-kit.js';
import { MemoryPeer } from './test-harness.js';

// Runs the tsc output (dist/) through fabric-shim's contract SPI: `npx tsc -b ledger-sync/chaincode` first.
const carrierUser = await roleCaller(CARRIER, 'driver1', 'carrier');
const FULL_NAME = 'Dr. Jane Roe';
const BAND = { gtin: GTIN, lowerC: 8, upperC: 25, allowedMinutes: 7200 };

let peer: MemoryPeer;
let seed: Uint8Array;
beforeEach(async () => {
  peer = await MemoryPeer.create();
  seed = randomBytes(32);
});

const register = (who: Parameters<MemoryPeer['ok']>[0], name = 'jroe') =>
  peer.ok(
    who,
    'RegisterSigner',
    JSON.stringify({ name, fullName: FULL_NAME, publicKey: publicKeyFromSecret(seed) }),
  );

/** A signed definition as the CLI sends it; `edit` changes the request after signing. */
async function signedBudget(
  opts: {
    key?: Uint8Array;
    org?: string;
    band?: typeof BAND;
    signedAt?: string;
    edit?: (r: Record<string, unknown>) => void;
  } = {},
) {
  const band = opts.band ?? BAND;
  const signature = {
    fullName: FULL_NAME,
    org: opts.org ?? PHARMA,
    meaning: STABILITY_BUDGET_MEANING,
    signedAt: opts.signedAt ?? new Date(peer.time + 1000).toISOString(),
  };
  const statement = canonicalBytes(stabilityBudgetStatement({ ...band, signer: 'jroe', signature }));
  const value = bytesToHex(await nobleSigner(opts.key ?? seed)(statement));
  const request: Record<string, unknown> = {
    ...band,
    signer: 'jroe',
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

const status = async () =>
  (await peer.ok(CARRIER, 'GetStabilityBudget', JSON.stringify({ gtin: GTIN, lot: 'L1' }))) as {
    budget: StabilityBudgetDefinition | null;
  };

describe('signed stability budgets', () => {
  it('a registered signer of the caller org defines a budget without the role; the signature is stored and rechecks', async () => {
    await register(PHARMA);
    const r = await peer.invoke(PHARMA, 'DefineStabilityBudget', await signedBudget());
    expect(r.status, r.message).toBe(200);
    expect(r.event?.name).toBe('StabilityBudgetDefined');
    const entry = r.value as StabilityBudgetDefinition;
    expect(entry).toMatchObject({
      ...BAND,
      version: 1,
      signer: 'jroe',
      signature: {
        fullName: FULL_NAME,
        org: PHARMA,
        meaning: STABILITY_BUDGET_MEANING,
        algorithm: 'Ed25519',
        publicKey: publicKeyFromSecret(seed),
      },
    });
    const stored = (await status()).budget;
    expect(stored).toEqual(entry);
    // A reader with the stored version alone can check the signature again.
    const sig = stored?.signature;
    if (!stored || !sig) throw new Error('no signature stored');
    const statement = canonicalBytes(
      stabilityBudgetStatement({ ...stored, signer: stored.signer ?? '', signature: sig }),
    );
    expect(verifyEd25519(hexToBytes(sig.publicKey), statement, hexToBytes(sig.value))).toBe(true);
    expect(
      verifyEd25519(
        hexToBytes(sig.publicKey),
        canonicalBytes(
          stabilityBudgetStatement({ ...stored, allowedMinutes: 9000, signer: 'jroe', signature: sig }),
        ),
        hexToBytes(sig.value),
      ),
    ).toBe(false);
    // A new version, signed again; the same band again is a retry and writes nothing.
    const v2 = await peer.ok(
      PHARMA,
      'DefineStabilityBudget',
      await signedBudget({ band: { ...BAND, allowedMinutes: 6000 } }),
    );
    expect(v2).toMatchObject({ version: 2, allowedMinutes: 6000, signer: 'jroe' });
    const retry = await peer.invoke(
      PHARMA,
      'DefineStabilityBudget',
      await signedBudget({ band: { ...BAND, allowedMinutes: 6000 } }),
    );
    expect(retry.status).toBe(200);
    expect(retry.writes).toEqual([]);
  });

  it('still refuses an unsigned definition without the role', async () => {
    await register(PHARMA);
    const r = await peer.invoke(PHARMA, 'DefineStabilityBudget', JSON.stringify(BAND));
    expect(r.message).toMatch(
      /^FORBIDDEN: defining the stability budget of GTIN 07612345678900 needs a certificate with attribute coldtrail\.role=quality/,
    );
    expect(r.writes).toEqual([]);
  });

  it.each([
    [
      'an edited allowance',
      { edit: (r: Record<string, unknown>) => (r.allowedMinutes = 99_999) },
      /^FORBIDDEN: the signature of jroe \(PharmaOrgMSP\) does not verify over the stability budget statement/,
    ],
    [
      'an edited band',
      { edit: (r: Record<string, unknown>) => (r.upperC = 30) },
      /^FORBIDDEN: the signature of jroe .* does not verify/,
    ],
    ['a wrong key', { key: randomBytes(32) }, /^FORBIDDEN: the signature of jroe .* does not verify/],
    ['a statement naming another org', { org: CARRIER }, /^FORBIDDEN: the signature of jroe/],
    [
      'a release meaning',
      {
        edit: (r: Record<string, unknown>) =>
          ((r.signature as Record<string, unknown>).meaning =
            'released: approved for distribution after excursion review'),
      },
      /^INVALID_INPUT: signature\.meaning of a stability budget must be "Approved: stability budget"/,
    ],
    [
      'another printed name',
      {
        edit: (r: Record<string, unknown>) =>
          ((r.signature as Record<string, unknown>).fullName = 'Jane Roe'),
      },
      /^INVALID_INPUT: signature\.fullName "Jane Roe" is not jroe's registered name/,
    ],
    [
      'a signing time far from the transaction',
      { signedAt: '2025-03-01T07:00:00.000Z' },
      /^INVALID_INPUT: signature\.signedAt .* too far from the transaction time/,
    ],
    [
      'a signer without a signature',
      { edit: (r: Record<string, unknown>) => delete r.signature },
      /^INVALID_INPUT: a signed budget needs both signer and signature/,
    ],
    [
      'an unknown field',
      { edit: (r: Record<string, unknown>) => (r.approvedBy = 'someone') },
      /^INVALID_INPUT: budget has unknown field\(s\): approvedBy/,
    ],
  ])('refuses %s and writes nothing', async (_what, opts, message) => {
    await register(PHARMA);
    const r = await peer.invoke(PHARMA, 'DefineStabilityBudget', await signedBudget(opts));
    expect(r.status).not.toBe(200);
    expect(r.message).toMatch(message);
    expect(r.writes).toEqual([]);
    expect((await status()).budget).toBeNull();
  });

  it('refuses an unregistered signer, and a signer of another org presented by this one', async () => {
    expect(await peer.refused(PHARMA, 'DefineStabilityBudget', await signedBudget())).toMatch(
      /^NOT_FOUND: signer jroe is not registered for PharmaOrgMSP/,
    );
    await register(CARRIER);
    expect(await peer.refused(PHARMA, 'DefineStabilityBudget', await signedBudget({ org: CARRIER }))).toMatch(
      /^NOT_FOUND: signer jroe is not registered for PharmaOrgMSP/,
    );
    // A CA-issued user of the carrier without the role may define it with a signer its own org registered
    // (the registration is the org's grant); the budget then belongs to the carrier's org.
    const asCarrier = await peer.invoke(
      carrierUser,
      'DefineStabilityBudget',
      await signedBudget({ org: CARRIER }),
    );
    expect(asCarrier.status, asCarrier.message).toBe(200);
    expect(asCarrier.value).toMatchObject({ signer: 'jroe', definedBy: { msp: CARRIER } });
    // Once the carrier defined it, the pharma org's signer may not define a new version.
    await register(PHARMA);
    expect(
      await peer.refused(
        PHARMA,
        'DefineStabilityBudget',
        await signedBudget({ band: { ...BAND, allowedMinutes: 10 } }),
      ),
    ).toMatch(/^FORBIDDEN: the stability budget of GTIN .* is defined by CarrierOrgMSP/);
  });
});
