import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GENESIS_HASH, parseBatch, verifyBatch, verifyChain } from '@coldtrail/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadOrCreateDeviceKey } from './device-key.js';
import { Outbox } from './outbox.js';

const CHILD = new URL('./fixtures/outbox-crash-child.mjs', import.meta.url);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child until it printed `appends` committed appends (and some acks), then SIGKILLs it. */
async function runAndKill(appends: number): Promise<{ lastSeq: number; lastAck: number; start: number }> {
  const child = spawn(process.execPath, [CHILD.pathname, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
  let lastSeq = 0;
  let lastAck = 0;
  let start = -1;
  let count = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const [tag, n] = line.split(' ');
    if (tag === 'START') start = Number(n);
    if (tag === 'A') {
      lastSeq = Number(n);
      count++;
    }
    if (tag === 'K') lastAck = Number(n);
    if (count >= appends && lastAck > 0) {
      child.kill('SIGKILL');
      break;
    }
  }
  expect(await exited).toBe('SIGKILL');
  return { lastSeq, lastAck, start };
}

function checkStore(o: Outbox, publicKey: string, lastSeq: number, lastAck: number): void {
  const head = o.head();
  expect(head.seq).toBeGreaterThanOrEqual(lastSeq);
  const records = o.records(1, head.seq);
  expect(records).toHaveLength(head.seq);
  expect(verifyChain(records, GENESIS_HASH, 0)).toBe(head.hash);
  expect(o.storedUpTo()).toBeGreaterThanOrEqual(lastAck);
  let prev = GENESIS_HASH;
  let next = 1;
  for (const b of [...Array(o.batchedUpTo()).keys()].map((i) => o.batch(i + 1)).filter((x) => x)) {
    expect(b!.fromSeq).toBe(next);
    const batch = parseBatch(o.batchPayload(b!));
    verifyBatch(batch, publicKey, { expectedPrev: prev });
    prev = batch.head;
    next = b!.toSeq + 1;
  }
  expect(next - 1).toBe(o.batchedUpTo());
}

it('survives kill -9 at any point: the chain verifies and nothing committed or acknowledged is lost', async () => {
  const first = await runAndKill(300);
  expect(first.start).toBe(0);
  const second = await runAndKill(300); // a second crash on top of the recovered store
  expect(second.start).toBeGreaterThanOrEqual(first.lastSeq);

  const { publicKey, signer } = await loadOrCreateDeviceKey(dir);
  const o = Outbox.open(join(dir, 'outbox.sqlite'), { device: 'dev-crash' });
  try {
    checkStore(o, publicKey, second.lastSeq, second.lastAck);
    // the unbatched tail is batched on restart and continues the signed chain
    while (await o.createBatch(50, signer, Date.now())) {}
    expect(o.unbatched().count).toBe(0);
    checkStore(o, publicKey, second.lastSeq, second.lastAck);
  } finally {
    o.close();
  }
});
