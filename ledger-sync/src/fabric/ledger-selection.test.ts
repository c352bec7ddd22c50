import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isColdtrailError, systemClock } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { parseLedgerSyncConfig } from '../config.js';
import { openDefaultLedger } from '../default-ledger.js';
import { startFabricTestNetwork } from './fabric-test-network.test-kit.js';

const base = { dataDir: '/tmp/x', org: 'Org1MSP' };

describe('ledger selection in LedgerSyncConfig', () => {
  it('defaults to the embedded ledger', () => {
    const c = parseLedgerSyncConfig(base, {});
    expect(c.ledger).toBe('embedded');
    expect(c.fabricConnection).toBeUndefined();
  });

  it('selects Fabric with a connection file, also from the environment', () => {
    expect(
      parseLedgerSyncConfig({ ...base, ledger: 'fabric', fabricConnection: 'c.yaml' }, {}),
    ).toMatchObject({
      ledger: 'fabric',
      fabricConnection: 'c.yaml',
    });
    expect(
      parseLedgerSyncConfig(base, {
        COLDTRAIL_LEDGER_SYNC_LEDGER: 'fabric',
        COLDTRAIL_LEDGER_SYNC_FABRIC_CONNECTION: '/etc/coldtrail/connection.yaml',
      }),
    ).toMatchObject({ ledger: 'fabric', fabricConnection: '/etc/coldtrail/connection.yaml' });
  });

  it('requires the connection file for Fabric and knows only the two ledgers', () => {
    const problems = (input: unknown) => {
      try {
        parseLedgerSyncConfig(input, {});
      } catch (err) {
        if (isColdtrailError(err, 'INVALID_CONFIG'))
          return ((err.details?.problems as string[] | undefined) ?? []).join('\n');
        throw err;
      }
      return '';
    };
    expect(problems({ ...base, ledger: 'fabric' })).toMatch(
      /^fabricConnection: required when ledger is fabric/,
    );
    expect(problems({ ...base, ledger: 'besu' })).toMatch(/^ledger: /);
  });
});

describe('openDefaultLedger with ledger: fabric', () => {
  it('opens the Fabric ledger of the connection file, acting as its mspId, with no local verifier', async () => {
    const network = await startFabricTestNetwork(['Org1MSP']);
    try {
      const file = await network.connectionFile('Org1MSP');
      const config = parseLedgerSyncConfig(
        { dataDir: network.dir, org: 'Org1MSP', ledger: 'fabric', fabricConnection: basename(file) },
        {},
      );
      const opened = await openDefaultLedger(config, systemClock);
      try {
        expect(opened.verify).toBeUndefined();
        const done = await opened.port.submit('RegisterDevice', ['probe-1', 'a'.repeat(64)]);
        const device = JSON.parse(new TextDecoder().decode(done.result)) as { org: string };
        expect(device.org).toBe('Org1MSP');
      } finally {
        await opened.close();
      }
      // Nothing of an embedded ledger was created in the data dir.
      expect(existsSync(join(network.dir, 'ledger.sqlite'))).toBe(false);
    } finally {
      await network.close();
    }
  });

  it('refuses an org that is not the identity it would sign as', async () => {
    const network = await startFabricTestNetwork(['Org1MSP']);
    try {
      const file = await network.connectionFile('Org1MSP');
      const config = parseLedgerSyncConfig(
        { dataDir: network.dir, org: 'Org2MSP', ledger: 'fabric', fabricConnection: file },
        {},
      );
      const err = await openDefaultLedger(config, systemClock).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
      expect((err as Error).message).toContain('mspId Org1MSP');
    } finally {
      await network.close();
    }
  });
});
