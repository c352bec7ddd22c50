import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isColdtrailError } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures.test-kit.js';
import { openFileCheckpointer } from './file-checkpointer.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

describe('atomic file checkpointer', () => {
  it('starts empty and resumes, after reopening, where the last checkpoint left it', async () => {
    const file = join(dir.path, 'events.checkpoint');
    const first = openFileCheckpointer(file);
    expect(first.getBlockNumber()).toBeUndefined();
    expect(first.getTransactionId()).toBeUndefined();
    await first.checkpointChaincodeEvent({
      blockNumber: 7n,
      transactionId: 'tx-a',
      chaincodeName: 'coldtrail',
      eventName: 'DeviceRegistered',
      payload: new Uint8Array(),
    });
    const again = openFileCheckpointer(file);
    expect(again.getBlockNumber()).toBe(7n);
    expect(again.getTransactionId()).toBe('tx-a');
    await again.checkpointBlock(7n);
    const third = openFileCheckpointer(file);
    expect(third.getBlockNumber()).toBe(8n);
    expect(third.getTransactionId()).toBeUndefined();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ blockNumber: '8' });
    // The temp file it wrote through is gone.
    expect(readdirSync(dir.path)).toEqual(['events.checkpoint']);
  });

  it('refuses a file that is not a checkpoint instead of starting over', () => {
    for (const text of [
      '',
      '{"blockNumber":7}',
      '{"blockNumber":"x"}',
      '{"blockNumber":"1","transactionId":3}',
      'nope',
    ]) {
      const file = join(dir.path, 'bad.checkpoint');
      writeFileSync(file, text);
      let err: unknown;
      try {
        openFileCheckpointer(file);
      } catch (e) {
        err = e;
      }
      expect(isColdtrailError(err, 'CORRUPTED')).toBe(true);
      expect((err as Error).message).toContain(file);
    }
  });
});
