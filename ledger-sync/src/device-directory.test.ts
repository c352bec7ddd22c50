import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedgerDirectory } from './device-directory.js';
import { ORG, tempDir, testDevice, testLedger } from './fixtures.test-kit.js';
import type { LedgerClient } from './ledger-types.js';

describe('device directory over the ledger', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Awaited<ReturnType<typeof testLedger>>;
  let calls: string[];
  let counted: Pick<LedgerClient, 'getDevice'>;

  beforeEach(async () => {
    dir = tempDir();
    ledger = await testLedger(dir.path);
    calls = [];
    counted = {
      getDevice: (id) => {
        calls.push(id);
        return ledger.client.getDevice(id);
      },
    };
  });
  afterEach(async () => {
    await ledger.ledger.close();
    dir.cleanup();
  });

  it('answers registered devices from the ledger, caching them but not the unknown', async () => {
    const directory = createLedgerDirectory(counted);
    const device = testDevice('dev-7');
    expect(await directory.lookup('dev-7')).toBeUndefined();
    await ledger.client.registerDevice({ id: device.id, publicKey: device.publicKey });
    const identity = { device: 'dev-7', org: ORG, publicKey: device.publicKey };
    expect(await directory.lookup('dev-7')).toEqual(identity);
    expect(await directory.lookup('dev-7')).toEqual(identity);
    expect(calls).toEqual(['dev-7', 'dev-7']);
    expect(await directory.lookup('not/an id')).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('answers a revoked device as unknown, from the ledger or from remember, and keeps it so', async () => {
    const directory = createLedgerDirectory(counted);
    const device = testDevice('dev-8');
    const entry = await ledger.client.registerDevice({ id: device.id, publicKey: device.publicKey });
    expect(await directory.lookup('dev-8')).toMatchObject({ device: 'dev-8' });
    const revoked = await ledger.client.revokeDevice('dev-8', 'stolen');
    expect(revoked).toMatchObject({ status: 'revoked', reason: 'stolen' });
    // Cached as enrolled until this process learns of the revocation: then refused, without asking again.
    expect(directory.remember(revoked)).toBeUndefined();
    expect(await directory.lookup('dev-8')).toBeUndefined();
    expect(calls).toEqual(['dev-8']);
    // A fresh directory finds the revocation on the ledger and caches it.
    const fresh = createLedgerDirectory(counted);
    expect(await fresh.lookup('dev-8')).toBeUndefined();
    expect(await fresh.lookup('dev-8')).toBeUndefined();
    expect(calls).toEqual(['dev-8', 'dev-8']);
    expect(entry.status).toBeUndefined();
  });

  it('treats a malformed ledger entry as a ledger fault', async () => {
    const directory = createLedgerDirectory({
      getDevice: async (id) => ({ id, org: ORG, publicKey: 'zz', registeredAt: '2026-01-01T00:00:00.000Z' }),
    });
    await expect(directory.lookup('dev-1')).rejects.toMatchObject({ code: 'CORRUPTED' });
  });
});
