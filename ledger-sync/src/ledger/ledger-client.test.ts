import { ColdtrailError, ErrorCode, isColdtrailError, makeSscc } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import type { LedgerPort } from '../ledger-port.js';
import { chaincodeError } from './chaincode-error.js';
import { createLedgerClient } from './ledger-client.js';

// A port that answers whatever the test says: the client must treat ledger answers as hostile.
function fakePort(
  answer: (fn: string, args: readonly string[]) => unknown,
): LedgerPort & { calls: string[][] } {
  const calls: string[][] = [];
  const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  return {
    calls,
    async submit(fn, args) {
      calls.push([fn, ...args]);
      return { txId: 'tx', blockNumber: 1, result: bytes(answer(fn, args)) };
    },
    async evaluate(fn, args) {
      calls.push([fn, ...args]);
      return bytes(answer(fn, args));
    },
    async close() {},
  };
}

const KEY = 'ab'.repeat(32);
const device = {
  id: 'probe-1',
  org: 'ColdtrailOrgMSP',
  publicKey: KEY,
  registeredAt: '2025-03-01T08:00:00.000Z',
};
const SSCC = makeSscc(0, '3761234', 1);

describe('createLedgerClient', () => {
  it('passes arguments as the contract expects and returns checked entries', async () => {
    const port = fakePort((fn) => (fn === 'AnchoredUpTo' ? 42 : device));
    const client = createLedgerClient(port);
    expect(await client.registerDevice({ id: 'probe-1', publicKey: KEY })).toEqual(device);
    expect(await client.anchoredUpTo('probe-1')).toBe(42);
    expect(port.calls).toEqual([
      ['RegisterDevice', 'probe-1', KEY],
      ['AnchoredUpTo', 'probe-1'],
    ]);
  });

  it('maps a null answer to undefined', async () => {
    const client = createLedgerClient(fakePort(() => null));
    expect(await client.getDevice('probe-1')).toBeUndefined();
    expect(await client.getShipment(SSCC)).toBeUndefined();
    expect(await client.provenance(SSCC)).toBeUndefined();
  });

  it('refuses answers that are not JSON, have the wrong shape or do not echo the request', async () => {
    const expectBad = async (
      answer: unknown,
      call: (c: ReturnType<typeof createLedgerClient>) => Promise<unknown>,
    ) => {
      const err = await call(createLedgerClient(fakePort(() => answer))).catch((e: unknown) => e);
      expect(isColdtrailError(err, ErrorCode.InvalidInput)).toBe(true);
      return (err as Error).message;
    };
    expect(await expectBad('{oops', (c) => c.getDevice('probe-1'))).toMatch(/not JSON/);
    expect(await expectBad({ ...device, publicKey: 'zz' }, (c) => c.getDevice('probe-1'))).toMatch(
      /malformed at publicKey/,
    );
    expect(await expectBad(device, (c) => c.getDevice('probe-2'))).toMatch(/does not match the request/);
    expect(await expectBad(-1, (c) => c.anchoredUpTo('probe-1'))).toMatch(/malformed/);
    expect(
      await expectBad({ ...device }, (c) => c.registerDevice({ id: 'probe-1', publicKey: 'cd'.repeat(32) })),
    ).toMatch(/does not match/);
    const anchor = { device: 'probe-1', fromSeq: 1, toSeq: 5, root: 'c'.repeat(64), count: 5 };
    const stored = { ...anchor, anchoredAt: '2025-03-01T08:00:00.000Z', txId: 'tx' };
    expect(await expectBad({ ...stored, root: 'd'.repeat(64) }, (c) => c.anchorReadings(anchor))).toMatch(
      /does not match/,
    );
    expect(await expectBad([{ ...stored, device: 'probe-9' }], (c) => c.anchors('probe-1', 1, 9))).toMatch(
      /does not match/,
    );
  });

  it('lets port errors through unchanged', async () => {
    const failing: LedgerPort = {
      submit: async () => {
        throw new ColdtrailError(ErrorCode.Forbidden, 'no');
      },
      evaluate: async () => new Uint8Array(),
      close: async () => {},
    };
    await expect(
      createLedgerClient(failing).completeShipment(SSCC, 3, { excursions: [], reason: null }),
    ).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
  });
});

describe('chaincodeError', () => {
  it('recovers the contract code from the message', () => {
    expect(chaincodeError('F', 'CONFLICT: taken')).toMatchObject({
      code: ErrorCode.Conflict,
      message: 'ledger refused F: taken',
    });
    expect(chaincodeError('F', 'NOT_FOUND: gone').code).toBe(ErrorCode.NotFound);
    expect(chaincodeError('F', 'FORBIDDEN: no').code).toBe(ErrorCode.Forbidden);
    expect(chaincodeError('F', 'Expected 2 parameters, but 1 have been supplied')).toMatchObject({
      code: ErrorCode.InvalidInput,
      message: 'ledger refused F: Expected 2 parameters, but 1 have been supplied',
    });
    expect(chaincodeError('F', 'WEIRD: x').message).toBe('ledger refused F: WEIRD: x');
  });
});
