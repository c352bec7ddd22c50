import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_ORG } from '../ledger-port.contract.js';
import type { ChaincodeEvent } from './fabric-events.js';
import { startFabricTestNetwork } from './fabric-test-network.test-kit.js';

const KEY = 'a'.repeat(64);

/** A promise with its resolve, to wait for the n-th event without polling. */
function signal() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('chaincode events with a persisted checkpoint', () => {
  it('delivers every event exactly once across a stop in mid-block and a restart', async () => {
    // Blocks are cut by count only (two transactions each), so where the first run stops, after the third
    // event, is inside a block: the restart must skip the first transaction of that block, not the block.
    const network = await startFabricTestNetwork([CONTRACT_ORG], { blockMaxTx: 2, blockTimeoutMs: 600_000 });
    try {
      const writer = await network.ledger(CONTRACT_ORG);
      const submit = async (ids: string[]) =>
        (await Promise.all(ids.map((id) => writer.submit('RegisterDevice', [id, KEY])))).map((r) => r.txId);
      const submitted = await submit(['p-1', 'p-2', 'p-3', 'p-4']);
      const checkpointFile = join(network.dir, 'events.checkpoint');
      const seen: ChaincodeEvent[] = [];

      // First run: stops itself while handling the third event (that event still counts, and is checkpointed).
      const first = await network.ledger(CONTRACT_ORG);
      const stopped = signal();
      const run1 = await first.events({
        checkpointFile,
        onEvent: (event) => {
          seen.push(event);
          if (seen.length === 3) {
            void run1.close().then(stopped.resolve);
          }
        },
      });
      await stopped.promise;
      await run1.done;
      expect(seen).toHaveLength(3);
      expect(existsSync(checkpointFile)).toBe(true);
      await first.close();

      // Transactions committed while nobody listened, then a second "process" resumes from the file.
      submitted.push(...(await submit(['p-5', 'p-6'])));
      const second = await network.ledger(CONTRACT_ORG);
      const all = signal();
      let expected = submitted.length + 2;
      const run2 = await second.events({
        checkpointFile,
        onEvent: (event) => {
          seen.push(event);
          if (seen.length === expected) all.resolve();
        },
      });
      // And two committed while it listens.
      submitted.push(...(await submit(['p-7', 'p-8'])));
      expected = submitted.length;
      await all.promise;
      await run2.close();
      await run2.done;

      expect(seen.map((e) => e.transactionId).sort()).toEqual([...submitted].sort());
      expect(new Set(seen.map((e) => e.transactionId)).size).toBe(submitted.length);
      for (const e of seen) expect(e.chaincodeName).toBe(network.server.chaincode);
      const blocks = seen.map((e) => Number(e.blockNumber));
      expect(blocks).toEqual([...blocks].sort((a, b) => a - b));
      // Two events per block: the third and fourth event (either side of the stop) share one.
      expect(blocks[2]).toBe(blocks[3]);
    } finally {
      await network.close();
    }
  });

  it('does not move the checkpoint past an event whose handler failed: a restart delivers it again', async () => {
    const network = await startFabricTestNetwork([CONTRACT_ORG]);
    try {
      const writer = await network.ledger(CONTRACT_ORG);
      const txIds: string[] = [];
      for (let i = 1; i <= 3; i++) txIds.push((await writer.submit('RegisterDevice', [`q-${i}`, KEY])).txId);
      const checkpointFile = join(network.dir, 'failing.checkpoint');
      const handled: string[] = [];
      const failing = await writer.events({
        checkpointFile,
        onEvent: (event) => {
          if (event.transactionId === txIds[1]) throw new Error('the store is full');
          handled.push(event.transactionId);
        },
      });
      await expect(failing.done).rejects.toThrow('the store is full');
      expect(handled).toEqual([txIds[0]]);

      const all = signal();
      const again = await writer.events({
        checkpointFile,
        onEvent: (event) => {
          handled.push(event.transactionId);
          if (handled.length === 3) all.resolve();
        },
      });
      await all.promise;
      await again.close();
      expect(handled).toEqual(txIds);
    } finally {
      await network.close();
    }
  });
});
