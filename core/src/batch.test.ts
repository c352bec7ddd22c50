import { describe, expect, it } from 'vitest';
import { batchHeader, parseBatch, signBatch, verifyBatch } from './batch.js';
import { canonicalJson } from './canonical.js';
import { isColdtrailError } from './errors.js';
import { GENESIS_HASH } from './hash.js';
import { nobleSigner, publicKeyFromSecret } from './keys.js';
import { hashRecord, makeRecord, type ReadingRecord } from './reading.js';

const secret = new Uint8Array(32).fill(7);
const pub = publicKeyFromSecret(secret);
const signer = nobleSigner(secret);

function chain(n: number, start = 1, prev = GENESIS_HASH): { records: ReadingRecord[]; head: string } {
  const records: ReadingRecord[] = [];
  let head = prev;
  for (let i = 0; i < n; i++) {
    const r = makeRecord(
      'dev-1',
      start + i,
      Date.UTC(2026, 0, 1, 0, i),
      {
        sensor: 'probe-1',
        kind: 'temperature',
        value: 4 + i / 10,
        unit: 'CEL',
      },
      head,
    );
    records.push(r);
    head = hashRecord(r);
  }
  return { records, head };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isColdtrailError(err) ? err.code : 'OTHER';
  }
  return undefined;
}

describe('signed batches', () => {
  it('round-trips through the wire and verifies', async () => {
    const { records, head } = chain(5);
    const batch = await signBatch(records, head, signer);
    const parsed = parseBatch(JSON.stringify(batch));
    const header = verifyBatch(parsed, pub, { expectedPrev: GENESIS_HASH });
    expect(header).toEqual(batchHeader({ device: 'dev-1', fromSeq: 1, toSeq: 5, prev: GENESIS_HASH, head }));
    // The signed bytes are the canonical header: keys sorted, no whitespace.
    expect(canonicalJson(header).startsWith('{"device":"dev-1","fromSeq":1,"head":')).toBe(true);
  });

  it('refuses a changed reading, a changed head, a foreign key and a broken link', async () => {
    const { records, head } = chain(4);
    const batch = await signBatch(records, head, signer);
    const tampered = structuredClone(batch);
    tampered.records[2]!.value = 9.9;
    expect(codeOf(() => verifyBatch(tampered, pub))).toBe('BROKEN_CHAIN');

    const otherPub = publicKeyFromSecret(new Uint8Array(32).fill(9));
    expect(codeOf(() => verifyBatch(batch, otherPub))).toBe('BAD_SIGNATURE');

    const next = chain(2, 5, head);
    const b2 = await signBatch(next.records, next.head, signer);
    expect(codeOf(() => verifyBatch(b2, pub, { expectedPrev: head }))).toBeUndefined();
    expect(codeOf(() => verifyBatch(b2, pub, { expectedPrev: GENESIS_HASH }))).toBe('BROKEN_CHAIN');

    const resigned = { ...batch, head: next.head };
    expect(codeOf(() => verifyBatch(resigned, pub))).toBe('BROKEN_CHAIN');
  });

  it('parseBatch rejects malformed payloads with INVALID_INPUT', async () => {
    const { records, head } = chain(2);
    const good = await signBatch(records, head, signer);
    const cases: unknown[] = [
      'not json',
      '[]',
      { ...good, device: 'a/b' },
      { ...good, records: [] },
      { ...good, toSeq: 5 },
      { ...good, sig: 'zz' },
      { ...good, records: [{ ...good.records[0], extra: 1 }, good.records[1]] },
      { ...good, records: [{ ...good.records[0], value: 'hot' }, good.records[1]] },
      { ...good, records: [{ ...good.records[0], unit: 'P1' }, good.records[1]] },
    ];
    for (const c of cases) {
      expect(codeOf(() => parseBatch(typeof c === 'string' ? c : JSON.stringify(c)))).toBe('INVALID_INPUT');
    }
    expect(codeOf(() => parseBatch(new Uint8Array([0xff, 0xfe, 0x00])))).toBe('INVALID_INPUT');
  });
});
