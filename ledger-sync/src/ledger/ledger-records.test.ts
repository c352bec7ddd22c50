import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { verifySignature } from './ecdsa.js';
import { type SignedTx, signedEnvelope, type TxPayload } from './ledger-records.js';

const payload: TxPayload = {
  channel: 'coldtrail',
  txId: 'ab'.repeat(32),
  nonce: 'cd'.repeat(24),
  timestamp: '2025-03-01T10:00:00.000Z',
  creator: {
    mspid: 'ColdtrailOrgMSP',
    certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  },
  fn: 'OfferCustody',
  args: ['037612340000000017', '{"to":"PharmacyMSP","é":"\u2028"}'],
  response: { status: 200, payload: 'e30=' },
  rwset: {
    reads: [{ key: 'k', version: { block: 1, tx: 2 } }],
    ranges: [],
    writes: [{ key: 'k', value: 'AA==' }],
  },
  event: { name: 'CustodyOffered', payload: 'e30=' },
};

describe('signedEnvelope', () => {
  it('is the canonical JSON of {payload, signature}, signed over canonical(payload)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const envelope = signedEnvelope(payload, privateKey);
    const parsed = JSON.parse(envelope) as SignedTx;
    expect(envelope).toBe(canonicalJson({ payload, signature: parsed.signature }));
    expect(verifySignature(publicKey, canonicalJson(payload), parsed.signature)).toBe(true);
    expect(
      verifySignature(publicKey, canonicalJson({ ...payload, fn: 'AcceptCustody' }), parsed.signature),
    ).toBe(false);
  });
});
