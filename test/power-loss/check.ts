import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Outbox } from '@coldtrail/agent';
import { GENESIS_HASH, parseBatch, type Signer, verifyBatch, verifyChain } from '@coldtrail/core';
import {
  SqliteReadingStore,
  type StoredBatch,
  verifyHashChain,
  verifySignatures,
} from '@coldtrail/ledger-sync';
import type { CrashPoint } from './replay.js';

export const OUTBOX_FILE = '/agent/outbox.sqlite';
export const STORE_FILE = '/server/readings.sqlite';
export const DEVICE = 'dev-power';

/** What the writer had told its callers by a crash point (writer-child.mjs prints one marker per step). */
export interface Acknowledged {
  /** seq -> hash of the last record of each append that returned (so every earlier record is fixed too). */
  appends: Map<number, string>;
  lastAppend: number;
  /** fromSeq -> {toSeq, head} of each createBatch that returned. */
  batches: Map<number, { toSeq: number; head: string }>;
  /** The newest stored outcome of the ingest (the PUBACK went out after it). */
  stored: { upTo: number; hash: string };
  sent: Set<number>;
  ackedUpTo: number;
  pruneBegun: boolean;
}

export function acknowledged(markers: readonly string[]): Acknowledged {
  const a: Acknowledged = {
    appends: new Map(),
    lastAppend: 0,
    batches: new Map(),
    stored: { upTo: 0, hash: GENESIS_HASH },
    sent: new Set(),
    ackedUpTo: 0,
    pruneBegun: false,
  };
  for (const m of markers) {
    const [tag, x = '', y = '', z = ''] = m.split(' ');
    if (tag === 'append') {
      a.appends.set(Number(x), y);
      a.lastAppend = Number(x);
    } else if (tag === 'batch') a.batches.set(Number(x), { toSeq: Number(y), head: z });
    else if (tag === 'stored') a.stored = { upTo: Number(x), hash: y };
    else if (tag === 'sent') a.sent.add(Number(x));
    else if (tag === 'acked') a.ackedUpTo = Number(x);
    else if (tag === 'prune-begin') a.pruneBegun = true;
  }
  return a;
}

/** Writes the crash image into `scratch` (emptied first): the data directory as the machine reboots with it. */
export function materialize(point: CrashPoint, scratch: string): void {
  rmSync(scratch, { recursive: true, force: true });
  // the subdirectories existed (durably) before the writer started
  for (const d of ['agent', 'server']) mkdirSync(join(scratch, d), { recursive: true });
  for (const [path, bytes] of point.files) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), bytes);
  }
}

/**
 * Opens the rebooted directory with the real code, as the agent and the ledger-sync service open it on start,
 * and lists every way it falls short: a database that does not open, an acknowledged record, batch or state
 * change that is gone or changed, a hash chain or signature that does not verify, an outbox that cannot go on.
 */
export async function checkPoint(
  point: CrashPoint,
  scratch: string,
  key: { publicKey: string; signer: Signer },
  verified: Set<string>,
): Promise<string[]> {
  materialize(point, scratch);
  const acked = acknowledged(point.markers);
  const guard = async (what: string, check: () => Promise<string[]>) => {
    try {
      return await check();
    } catch (err) {
      return [`${what}: ${(err as Error).message}`];
    }
  };
  return [
    ...(await guard('outbox', () => checkOutbox(join(scratch, OUTBOX_FILE), acked, key, verified))),
    ...(await guard('reading store', () =>
      checkStore(join(scratch, STORE_FILE), acked, key.publicKey, verified),
    )),
  ];
}

/**
 * `verified`: batches (exact bytes) whose signature and chain verified at an earlier crash point; the same
 * bytes verify again, so only new ones are checked (Ed25519 verification would otherwise dominate the run).
 */
async function checkOutbox(
  path: string,
  acked: Acknowledged,
  key: { publicKey: string; signer: Signer },
  verified: Set<string>,
): Promise<string[]> {
  let o: Outbox;
  try {
    o = Outbox.open(path, { device: DEVICE });
  } catch (err) {
    return [`outbox does not open: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const bad = (p: string) => problems.push(`outbox: ${p}`);
  try {
    const head = o.head();
    if (head.seq < acked.lastAppend)
      bad(`lost acknowledged appends: head #${head.seq}, appended up to #${acked.lastAppend}`);
    const prunable = (seq: number) => acked.pruneBegun && seq <= o.storedUpTo();
    for (const [seq, hash] of acked.appends) {
      const h = o.hashAt(seq);
      if (h === undefined ? !prunable(seq) : h !== hash)
        bad(`acknowledged record #${seq} is ${h ? 'changed' : 'gone'}`);
    }
    // the records held form one chain ending at the head
    const records = o.records(1, head.seq);
    const first = records[0];
    if (first) {
      if (first.seq === 1 && first.prev !== GENESIS_HASH) bad('record #1 does not start at the genesis hash');
      try {
        if (verifyChain(records, first.prev, first.seq - 1) !== head.hash)
          bad('the chain does not end at the head');
      } catch (err) {
        bad(`chain: ${(err as Error).message}`);
      }
    }
    if (o.batchedUpTo() < Math.max(0, ...[...acked.batches.values()].map((b) => b.toSeq)))
      bad(`lost acknowledged batches: batched up to #${o.batchedUpTo()}`);
    for (const [from, b] of acked.batches) {
      const held = o.batch(from);
      if (!held) {
        if (!prunable(b.toSeq)) bad(`acknowledged batch #${from}-${b.toSeq} is gone`);
      } else if (held.toSeq !== b.toSeq || held.head !== b.head) bad(`batch #${from} changed`);
      else if (acked.sent.has(from) && held.state === 'queued')
        bad(`batch #${from} lost its PUBACK (sent -> queued)`);
    }
    if (o.storedUpTo() < acked.ackedUpTo)
      bad(`stored-up-to watermark fell from #${acked.ackedUpTo} to #${o.storedUpTo()}`);
    // every batch still held verifies and continues the one before; then the agent goes on where it stopped
    if (first && problems.length === 0) {
      await o
        .createBatch(64, key.signer, Date.UTC(2026, 1, 1))
        .catch((err: Error) => bad(`cannot batch on: ${err.message}`));
      let prev: string | undefined;
      for (let b = o.batchContaining(first.seq); b; b = o.batch(b.toSeq + 1)) {
        if (b.fromSeq < first.seq) {
          prev = undefined; // partly pruned: its payload cannot be rebuilt; the next batch chains from its head
        } else {
          const payload = o.batchPayload(b).toString();
          const memo = `outbox ${prev} ${payload}`;
          try {
            if (!verified.has(memo)) {
              verifyBatch(parseBatch(payload), key.publicKey, prev ? { expectedPrev: prev } : {});
              verified.add(memo);
            }
          } catch (err) {
            bad(`batch #${b.fromSeq}-${b.toSeq}: ${(err as Error).message}`);
          }
        }
        prev = b.head;
        if (b.toSeq === o.batchedUpTo()) break;
      }
    }
  } finally {
    o.close();
  }
  return problems;
}

async function checkStore(
  path: string,
  acked: Acknowledged,
  publicKey: string,
  verified: Set<string>,
): Promise<string[]> {
  let store: SqliteReadingStore;
  try {
    store = SqliteReadingStore.open(path);
  } catch (err) {
    return [`reading store does not open: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const bad = (p: string) => problems.push(`reading store: ${p}`);
  try {
    const head = await store.head(DEVICE);
    if (head.seq < acked.stored.upTo)
      bad(`lost stored batches whose PUBACK went out: head #${head.seq}, stored up to #${acked.stored.upTo}`);
    const hashes = new Map((await store.recordHashes(DEVICE, 1, head.seq)).map((r) => [r.seq, r.hash]));
    if (acked.stored.upTo > 0 && hashes.get(acked.stored.upTo) !== acked.stored.hash)
      bad(`record #${acked.stored.upTo} is not the one acknowledged`);
    for (const [seq, hash] of acked.appends) {
      const h = hashes.get(seq);
      if (h !== undefined && h !== hash) bad(`record #${seq} differs from the agent's`);
    }
    if (head.seq > 0) {
      const range = { fromSeq: 1, toSeq: head.seq };
      const batches = await store.batches(DEVICE, 1, head.seq);
      const records = await store.records(DEVICE, 1, head.seq);
      const memo = (b: StoredBatch) => `store ${b.fromSeq} ${b.toSeq} ${b.prev} ${b.head} ${b.sig}`;
      const fresh = batches.filter((b) => !verified.has(memo(b)));
      const signatures = verifySignatures(DEVICE, publicKey, fresh);
      if (signatures.ok) for (const b of fresh) verified.add(memo(b));
      for (const c of [verifyHashChain(DEVICE, range, batches, records), signatures])
        if (!c.ok) bad(`${c.name}: ${c.detail}`);
      if (records.at(-1)?.hash !== head.hash) bad('the head is not the last stored record');
    }
  } finally {
    await store.close();
  }
  return problems;
}
