import { isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { parseLedgerSyncConfig } from './config.js';

describe('ledger-sync config', () => {
  it('lists every problem as path: message and fills defaults', () => {
    const err = (() => {
      try {
        return parseLedgerSyncConfig({ org: 'bad org', anchorWindow: 0, colour: 'red' }, {});
      } catch (e) {
        return e;
      }
    })();
    expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
    expect((err as { details: { problems: string[] } }).details.problems).toEqual([
      expect.stringMatching(/^dataDir: /),
      'org: must be an identifier like Org1MSP',
      expect.stringMatching(/^anchorWindow: /),
      expect.stringMatching(/^colour: unknown key \(expected one of: dataDir, org, /),
    ]);
    expect(parseLedgerSyncConfig({ dataDir: '/d', org: 'Org1MSP' }, {})).toMatchObject({
      anchorWindow: 256,
      resumeAnchoring: true,
      readingsFile: 'readings.db',
    });
  });

  it('takes COLDTRAIL_LEDGER_SYNC_<KEY> overrides and refuses an unknown one', () => {
    const env = {
      COLDTRAIL_LEDGER_SYNC_DATA_DIR: '/srv/coldtrail',
      COLDTRAIL_LEDGER_SYNC_LIVE_EXCURSIONS: 'false',
      COLDTRAIL_LEDGER_SYNC_ANCHOR_WINDOW: '64',
    };
    expect(parseLedgerSyncConfig({ dataDir: '/d', org: 'Org1MSP' }, env)).toMatchObject({
      dataDir: '/srv/coldtrail',
      liveExcursions: false,
      anchorWindow: 64,
    });
    expect(() =>
      parseLedgerSyncConfig({ dataDir: '/d', org: 'Org1MSP' }, { COLDTRAIL_LEDGER_SYNC_DATADIR: '/x' }),
    ).toThrow(
      /env COLDTRAIL_LEDGER_SYNC_DATADIR: unknown setting; ledger-sync reads COLDTRAIL_LEDGER_SYNC_DATA_DIR/,
    );
  });
});
