import { describe, expect, it } from 'vitest';
import { checkConnectToken, connectTokenAdmissible, makeConnectToken } from './connect-token.js';
import { nobleSigner, publicKeyFromSecret } from './keys.js';

const secret = new Uint8Array(32).fill(5);
const pub = publicKeyFromSecret(secret);
const signer = nobleSigner(secret);
const NOW = Date.UTC(2026, 5, 1);
const DAY = 24 * 3_600_000;

describe('connect token v2 (counter)', () => {
  it('a token from a clock 3 days behind is stale but admissible once, by its counter', async () => {
    const pw = await makeConnectToken('dev-1', 'dev-1', NOW - 3 * DAY, signer, 7);
    expect(JSON.parse(pw)).toMatchObject({ v: 2, ts: NOW - 3 * DAY, ctr: 7 });
    const check = checkConnectToken('dev-1', 'dev-1', pw, pub, NOW);
    expect(check).toEqual({ version: 2, ts: NOW - 3 * DAY, counter: 7, fresh: false });
    expect(connectTokenAdmissible(check, undefined)).toBe(true);
    expect(connectTokenAdmissible(check, 6)).toBe(true);
    // replayed after it was accepted (the broker now holds 7): refused
    expect(connectTokenAdmissible(check, 7)).toBe(false);
    expect(connectTokenAdmissible(check, 9)).toBe(false);
  });

  it('a fresh token is admissible whatever its counter (the v1 window), a stale v1 never', async () => {
    const fresh = checkConnectToken(
      'dev-1',
      'dev-1',
      await makeConnectToken('dev-1', 'dev-1', NOW, signer, 1),
      pub,
      NOW,
    );
    expect(connectTokenAdmissible(fresh, 50)).toBe(true);
    const v1 = checkConnectToken(
      'dev-1',
      'dev-1',
      await makeConnectToken('dev-1', 'dev-1', NOW - DAY, signer),
      pub,
      NOW,
    );
    expect(v1).toMatchObject({ version: 1, counter: undefined, fresh: false });
    expect(connectTokenAdmissible(v1, undefined)).toBe(false);
  });

  it('the counter is signed: raising it, or dropping it to pose as v1, breaks the signature', async () => {
    const pw = JSON.parse(await makeConnectToken('dev-1', 'dev-1', NOW - DAY, signer, 3));
    const raised = JSON.stringify({ ...pw, ctr: 4 });
    expect(() => checkConnectToken('dev-1', 'dev-1', raised, pub, NOW)).toThrow(/does not verify/);
    const asV1 = JSON.stringify({ ts: pw.ts, sig: pw.sig });
    expect(() => checkConnectToken('dev-1', 'dev-1', asV1, pub, NOW)).toThrow(/does not verify/);
  });

  it('refuses malformed counters and unknown versions', async () => {
    const pw = JSON.parse(await makeConnectToken('dev-1', 'dev-1', NOW, signer, 3));
    for (const bad of [
      { ...pw, ctr: 0 },
      { ...pw, ctr: 1.5 },
      { ...pw, ctr: undefined },
      { ...pw, v: 3 },
    ]) {
      expect(() => checkConnectToken('dev-1', 'dev-1', JSON.stringify(bad), pub, NOW)).toThrow(/ctr|version/);
    }
    await expect(makeConnectToken('dev-1', 'dev-1', NOW, signer, 0)).rejects.toThrow(/positive/);
  });
});
