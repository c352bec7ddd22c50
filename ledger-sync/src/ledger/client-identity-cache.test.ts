import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { cachingClientIdentity } from './client-identity-cache.js';
import { contractRuntime } from './contract-runtime.js';
import { createIdentity } from './identities.js';

// The caching ClientIdentity against fabric-shim's own, on real certificates: every transaction must see
// exactly its own creator, whatever was cached before.
const require = createRequire(import.meta.url);
type Identity = {
  stub: unknown;
  getID(): string;
  getMSPID(): string;
  getIDBytes(): Uint8Array;
  getAttributeValue(name: string): string | null;
  assertAttributeValue(name: string, value: string): boolean;
};
type IdentityClass = new (stub: unknown) => Identity;
const Original: IdentityClass = require('fabric-shim').ClientIdentity;

let txCounter = 0;
function stubFor(mspid: string, certificate: string) {
  const txId = `tx${++txCounter}`;
  return {
    getChannelID: () => 'ch',
    getTxID: () => txId,
    getCreator: () => ({ mspid, idBytes: Buffer.from(certificate) }),
  };
}

function view(identity: Identity) {
  return {
    id: identity.getID(),
    msp: identity.getMSPID(),
    bytes: Buffer.from(identity.getIDBytes()).toString(),
    role: identity.getAttributeValue('coldtrail.role'),
    isQuality: identity.assertAttributeValue('coldtrail.role', 'quality'),
  };
}

let quality: string;
let plain: string;
let other: string;
beforeAll(async () => {
  quality = (await createIdentity('CN=quality,O=QualityOrgMSP', { 'coldtrail.role': 'quality' })).certificate;
  plain = (await createIdentity('CN=carrier,O=CarrierOrgMSP')).certificate;
  other = (await createIdentity('CN=quality,O=QualityOrgMSP', { 'coldtrail.role': 'auditor' })).certificate;
});

describe('cachingClientIdentity', () => {
  it('gives each transaction what the original gives it, interleaved and repeated', () => {
    const Cached = cachingClientIdentity(Original);
    const creators: [string, string][] = [
      ['QualityOrgMSP', quality],
      ['CarrierOrgMSP', plain],
      ['QualityOrgMSP', other],
      // Same certificate under another MSP id: a different creator.
      ['CarrierOrgMSP', quality],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [msp, cert] of creators) {
        const stub = stubFor(msp, cert);
        const cached = new Cached(stub);
        const original = new Original(stub);
        expect(cached).toBeInstanceOf(Original);
        expect(cached.stub).toBe(stub);
        expect(view(cached)).toEqual(view(original));
        expect({ ...cached }).toEqual({ ...original });
      }
    }
    expect(view(new Cached(stubFor('QualityOrgMSP', quality))).role).toBe('quality');
    expect(view(new Cached(stubFor('QualityOrgMSP', other))).role).toBe('auditor');
    expect(view(new Cached(stubFor('CarrierOrgMSP', plain))).role).toBeNull();
  });

  it('keeps one transaction’s changes to its identity away from the next', () => {
    const Cached = cachingClientIdentity(Original);
    const first = new Cached(stubFor('QualityOrgMSP', quality)) as Identity & {
      attrs: Record<string, string>;
    };
    first.attrs['coldtrail.role'] = 'admin';
    expect(new Cached(stubFor('QualityOrgMSP', quality)).getAttributeValue('coldtrail.role')).toBe('quality');
  });

  it('stays bounded and still answers for evicted creators', () => {
    const Cached = cachingClientIdentity(Original, 1);
    for (let i = 0; i < 3; i++) {
      expect(new Cached(stubFor('QualityOrgMSP', quality)).getAttributeValue('coldtrail.role')).toBe(
        'quality',
      );
      expect(new Cached(stubFor('QualityOrgMSP', other)).getAttributeValue('coldtrail.role')).toBe('auditor');
    }
  });

  it('refuses a creator that is not a certificate, every time', () => {
    const Cached = cachingClientIdentity(Original);
    for (let i = 0; i < 2; i++) {
      expect(() => new Cached(stubFor('Org1MSP', 'not a certificate'))).toThrow(/start line or end line/);
    }
  });

  it('leaves fabric-shim’s exports as they were once the contract runtime has loaded', async () => {
    await contractRuntime();
    expect(require('fabric-shim').ClientIdentity).toBe(Original);
    expect(require('fabric-shim/lib/chaincode').ClientIdentity).toBe(Original);
  });
});
