/**
 * The behaviour every LedgerPort must have (the embedded ledger's port(org), the read-only reader's port, a
 * Fabric Gateway adapter), as one suite each implementation runs. Written against the interface and the
 * chaincode's functions only (RegisterDevice, GetDevice): what a Fabric adapter on a test network would pass
 * as well. Test-only (excluded from the build); import it from a test file.
 */
import { isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import type { LedgerPort } from './ledger-port.js';

export const CONTRACT_ORG = 'ColdtrailOrgMSP';
export const CONTRACT_OTHER_ORG = 'CarrierOrgMSP';

export interface LedgerUnderTest {
  /** A port that submits as `org` (CONTRACT_ORG or CONTRACT_OTHER_ORG) on a fresh, empty ledger. */
  writer(org: string): LedgerPort;
  /** Releases the ledger (and removes its files). */
  close(): Promise<void>;
}

export type MakeLedger = () => Promise<LedgerUnderTest>;

/**
 * `port`: the implementation under test, given the ledger it runs on (return `writer(org)` itself for a
 * writable port; something else, such as a read-only port on the same ledger, otherwise). `readonly`: the
 * port refuses every submit (FORBIDDEN) and only queries committed state.
 */
export interface LedgerPortContractOptions {
  port(ledger: LedgerUnderTest, org: string): Promise<LedgerPort>;
  readonly?: boolean;
}

const KEY = 'a'.repeat(64);
const OTHER_KEY = 'b'.repeat(64);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const json = (bytes: Uint8Array): unknown => JSON.parse(text(bytes));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isColdtrailError(err)).toBe(true);
  return isColdtrailError(err) ? err.code : undefined;
}

export function ledgerPortContract(name: string, make: MakeLedger, options: LedgerPortContractOptions): void {
  describe(`LedgerPort contract: ${name}`, () => {
    const withPort =
      (body: (port: LedgerPort, ledger: LedgerUnderTest) => Promise<void>, org = CONTRACT_ORG) =>
      async () => {
        const ledger = await make();
        try {
          const port = await options.port(ledger, org);
          try {
            await body(port, ledger);
          } finally {
            await port.close();
          }
        } finally {
          await ledger.close();
        }
      };
    const device = (bytes: Uint8Array) => json(bytes) as { id: string; org: string; publicKey: string };

    it(
      'evaluates queries against committed state, answering the chaincode result bytes',
      withPort(async (port, ledger) => {
        expect(json(await port.evaluate('GetDevice', ['probe-1']))).toBeNull();
        await ledger.writer(CONTRACT_ORG).submit('RegisterDevice', ['probe-1', KEY]);
        expect(device(await port.evaluate('GetDevice', ['probe-1']))).toMatchObject({
          id: 'probe-1',
          org: CONTRACT_ORG,
          publicKey: KEY,
        });
        expect(json(await port.evaluate('AnchoredUpTo', ['probe-1']))).toBe(0);
      }),
    );

    it(
      'maps chaincode refusals of a query to typed errors',
      withPort(async (port) => {
        expect(await codeOf(port.evaluate('GetDevice', ['bad/id']))).toBe('INVALID_INPUT');
        expect(await codeOf(port.evaluate('NoSuchThing', []))).toBe('INVALID_INPUT');
        expect(await codeOf(port.evaluate('GetDevice', []))).toBe('INVALID_INPUT');
      }),
    );

    it(
      'closes idempotently',
      withPort(async (port) => {
        await port.close();
        await port.close();
      }),
    );

    if (options.readonly) {
      it(
        'refuses every submit as FORBIDDEN and changes nothing',
        withPort(async (port, ledger) => {
          expect(await codeOf(port.submit('RegisterDevice', ['probe-1', KEY]))).toBe('FORBIDDEN');
          expect(await codeOf(port.submit('NoSuchThing', []))).toBe('FORBIDDEN');
          expect(json(await ledger.writer(CONTRACT_ORG).evaluate('GetDevice', ['probe-1']))).toBeNull();
        }),
      );
      return;
    }

    it(
      'submits a transaction, committed in a block when it resolves, and answers its txId and result',
      withPort(async (port) => {
        const first = await port.submit('RegisterDevice', ['probe-1', KEY]);
        expect(first.txId).toMatch(/\S/);
        expect(Number.isInteger(first.blockNumber) && first.blockNumber >= 0).toBe(true);
        expect(device(first.result)).toMatchObject({ id: 'probe-1', org: CONTRACT_ORG, publicKey: KEY });
        expect(device(await port.evaluate('GetDevice', ['probe-1']))).toEqual(device(first.result));
        const second = await port.submit('RegisterDevice', ['probe-2', KEY]);
        expect(second.txId).not.toBe(first.txId);
        expect(second.blockNumber).toBeGreaterThanOrEqual(first.blockNumber);
      }),
    );

    it(
      'commits concurrent submits, each once',
      withPort(async (port) => {
        const ids = ['p-1', 'p-2', 'p-3', 'p-4', 'p-5'];
        const results = await Promise.all(ids.map((id) => port.submit('RegisterDevice', [id, KEY])));
        expect(new Set(results.map((r) => r.txId)).size).toBe(ids.length);
        for (const id of ids) expect(device(await port.evaluate('GetDevice', [id])).id).toBe(id);
      }),
    );

    it(
      'evaluates a state-changing function without committing it',
      withPort(async (port) => {
        expect(device(await port.evaluate('RegisterDevice', ['probe-1', KEY])).id).toBe('probe-1');
        expect(json(await port.evaluate('GetDevice', ['probe-1']))).toBeNull();
      }),
    );

    it(
      'maps chaincode refusals of a submit to typed errors, and a refused submit changes nothing',
      withPort(async (port, ledger) => {
        await port.submit('RegisterDevice', ['probe-1', KEY]);
        expect(await codeOf(port.submit('RegisterDevice', ['probe-1', OTHER_KEY]))).toBe('CONFLICT');
        expect(
          await codeOf(ledger.writer(CONTRACT_OTHER_ORG).submit('RegisterDevice', ['probe-1', KEY])),
        ).toBe('CONFLICT');
        expect(await codeOf(port.submit('RegisterDevice', ['bad/id', KEY]))).toBe('INVALID_INPUT');
        expect(await codeOf(port.submit('RegisterDevice', ['probe-9']))).toBe('INVALID_INPUT');
        expect(await codeOf(port.submit('NoSuchThing', []))).toBe('INVALID_INPUT');
        expect(device(await port.evaluate('GetDevice', ['probe-1']))).toMatchObject({ publicKey: KEY });
        expect(json(await port.evaluate('GetDevice', ['probe-9']))).toBeNull();
      }),
    );
  });
}
