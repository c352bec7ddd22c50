import { isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { parseLedgerSyncConfig } from '../config.js';

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
