import { ErrorCode, isColdtrailError, makeSscc } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../fixtures.test-kit.js';
import { ledgerPortContract } from '../ledger-port.contract.js';
import type { LedgerPort } from '../ledger-port.js';
import { chaincodeError } from './chaincode-error.js';
import { openEmbeddedLedger } from './embedded-ledger.js';
import { createLedgerClient } from './ledger-client.js';
import { openLedgerReader } from './ledger-reader.js';

/**
 * The real embedded ledger's port behind a tampering middlebox (a compromised gateway): every call goes to the
 * ledger, and when the test scripts an `answer`, that replaces whatever the ledger said — the client must treat
 * ledger answers as hostile. Unscripted, it passes the LedgerPort contract (below), so it is no fake.
 */
let ledger: Awaited<ReturnType<typeof openEmbeddedLedger>>;
let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  dir = tempDir();
  ledger = await openEmbeddedLedger({ path: dir.path });
});
afterEach(async () => {
  await ledger.close();
  dir.cleanup();
});

function fakePort(
  answer?: (fn: string, args: readonly string[]) => unknown,
  real: LedgerPort = ledger.port('ColdtrailOrgMSP'),
): LedgerPort & { calls: string[][] } {
  const calls: string[][] = [];
  const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  return {
    calls,
    async submit(fn, args) {
      calls.push([fn, ...args]);
      const said = await real.submit(fn, args).catch((err: unknown) => {
        if (!answer) throw err;
        return { txId: 'tx', blockNumber: 1, result: new Uint8Array() };
      });
      return answer ? { ...said, result: bytes(answer(fn, args)) } : said;
    },
    async evaluate(fn, args) {
      calls.push([fn, ...args]);
      const said = await real.evaluate(fn, args).catch((err: unknown) => {
        if (!answer) throw err;
        return new Uint8Array();
      });
      return answer ? bytes(answer(fn, args)) : said;
    },
    close: () => real.close(),
  };
}

ledgerPortContract(
  "the client tests' tampering port, unscripted",
  async () => {
    const d = tempDir();
    const l = await openEmbeddedLedger({ path: d.path });
    return {
      writer: (org) => l.port(org),
      async close() {
        await l.close();
        d.cleanup();
      },
    };
  },
  { port: async (l, org) => fakePort(undefined, l.writer(org)) },
);

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
    // The real read-only port: it refuses every submit as FORBIDDEN.
    await ledger.port('ColdtrailOrgMSP').submit('RegisterDevice', ['probe-1', KEY]);
    const reader = await openLedgerReader(dir.path);
    const failing: LedgerPort = reader.port;
    onTestFinished(() => reader.close());
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
