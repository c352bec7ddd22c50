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

  it('treats a malformed ledger entry as a ledger fault', async () => {
    const directory = createLedgerDirectory({
      getDevice: async (id) => ({ id, org: ORG, publicKey: 'zz', registeredAt: '2026-01-01T00:00:00.000Z' }),
    });
    await expect(directory.lookup('dev-1')).rejects.toMatchObject({ code: 'CORRUPTED' });
  });
});
