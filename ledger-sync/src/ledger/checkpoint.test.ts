import { isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint, signCheckpoint } from './checkpoint.js';
import { createIdentity } from './identities.js';

describe('ledger checkpoint', () => {
  it('round-trips, and refuses an edited, unsigned or malformed one', async () => {
    const node = await createIdentity('CN=node0.test');
    const tip = { number: 41, hash: 'ab'.repeat(32), timestamp: '2026-01-01T00:00:00.000Z' };
    const cp = signCheckpoint(
      { tip, blocks: 42, transactions: 50, exportedAt: '2026-01-02T00:00:00.000Z' },
      node,
    );
    expect(parseCheckpoint(JSON.stringify(cp), 'cp.json')).toEqual(cp);
    const refused = (text: string) => {
      try {
        parseCheckpoint(text, 'cp.json');
        return undefined;
      } catch (err) {
        expect(isColdtrailError(err, 'INVALID_INPUT')).toBe(true);
        return (err as Error).message;
      }
    };
    expect(refused(JSON.stringify({ ...cp, tip: { ...tip, number: 40 } }))).toMatch(
      /signature does not verify/,
    );
    const other = await createIdentity('CN=node1.test');
    expect(refused(JSON.stringify({ ...cp, node: { ...cp.node, certificate: other.certificate } }))).toMatch(
      /fingerprint does not match/,
    );
    expect(refused('{"type":"something else"}')).toMatch(/^cp.json is not a valid ledger checkpoint: type/);
    expect(refused('not json')).toMatch(/it is not JSON/);
  });
});
