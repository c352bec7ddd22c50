import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, isColdtrailError } from '@coldtrail/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startFabricTestNetwork } from './fabric/fabric-test-network.test-kit.js';
import { tempDir } from './fixtures.test-kit.js';
import { openEmbeddedLedger } from './ledger/embedded-ledger.js';
import { type LedgerEvent, type LedgerEventSource, openEventSource } from './ledger-events.js';
import { CONTRACT_ORG } from './ledger-port.contract.js';
import type { LedgerPort } from './ledger-port.js';

const KEY = 'a'.repeat(64);

/** One ledger for the contract: a writer's port, the event source's target, and what to close after. */
interface Rig {
  writer: LedgerPort;
  open(): Promise<LedgerEventSource>;
  /** A directory for checkpoint files. */
  dir: string;
  close(): Promise<void>;
}

const rigs: Record<string, () => Promise<Rig>> = {
  async embedded() {
    const dir = tempDir();
    const ledger = await openEmbeddedLedger({ path: join(dir.path, 'ledger-sync') });
    return {
      writer: ledger.port(CONTRACT_ORG),
      open: () =>
        openEventSource({ kind: 'embedded', dataDir: join(dir.path, 'ledger-sync') }, { pollMs: 20 }),
      dir: dir.path,
      async close() {
        await ledger.close();
        dir.cleanup();
      },
    };
  },
  async fabric() {
    const network = await startFabricTestNetwork([CONTRACT_ORG]);
    const connectionFile = await network.connectionFile(CONTRACT_ORG);
    return {
      writer: await network.ledger(CONTRACT_ORG),
      open: () => openEventSource({ kind: 'fabric', connectionFile }, { env: {} }),
      dir: network.dir,
      close: () => network.close(),
    };
  },
};

let rig: Rig | undefined;
const sources: LedgerEventSource[] = [];
afterEach(async () => {
  await Promise.allSettled(sources.splice(0).map((s) => s.close()));
  await rig?.close();
  rig = undefined;
});

async function source(r: Rig): Promise<LedgerEventSource> {
  const s = await r.open();
  sources.push(s);
  return s;
}

/** Follows `s` until `count` events arrived (then stops it): the events, in the order delivered. */
async function follow(
  s: LedgerEventSource,
  count: number,
  extra: { checkpointFile?: string; name?: string },
) {
  const seen: LedgerEvent[] = [];
  const stop = new AbortController();
  await s.read({
    ...extra,
    follow: true,
    signal: stop.signal,
    onEvent(e) {
      seen.push(e);
      if (seen.length === count) stop.abort();
    },
  });
  return seen;
}

const register = async (writer: LedgerPort, ids: string[]) => {
  const txIds: string[] = [];
  for (const id of ids) txIds.push((await writer.submit('RegisterDevice', [id, KEY])).txId);
  return txIds;
};

describe.each(Object.keys(rigs))('event source (%s)', (kind) => {
  it('follows from a checkpoint: a second run delivers exactly the events after the first run stopped', async () => {
    rig = await (rigs[kind] as () => Promise<Rig>)();
    const r = rig;
    const first = await register(r.writer, ['p-1', 'p-2', 'p-3']);
    const checkpointFile = join(r.dir, 'events.checkpoint');

    const run1 = await follow(await source(r), 2, { checkpointFile });
    expect(run1.map((e) => e.txId)).toEqual(first.slice(0, 2));
    expect(run1.map((e) => e.name)).toEqual(['DeviceRegistered', 'DeviceRegistered']);
    expect(JSON.parse(Buffer.from(run1[0]?.payload ?? []).toString())).toMatchObject({ id: 'p-1' });
    const saved = JSON.parse(readFileSync(checkpointFile, 'utf8'));
    expect(saved).toEqual({ blockNumber: String(run1[1]?.blockNumber), transactionId: first[1] });

    // Committed while nobody listened: the next run starts after p-2, with p-3.
    const later = await register(r.writer, ['p-4', 'p-5']);
    const s2 = await source(r);
    const run2 = follow(s2, 4, { checkpointFile });
    const live = await register(r.writer, ['p-6']);
    const seen = await run2;
    expect(seen.map((e) => e.txId)).toEqual([first[2], ...later, ...live]);
    const blocks = seen.map((e) => e.blockNumber);
    expect(blocks).toEqual([...blocks].sort((a, b) => a - b));
  });

  it('refuses a checkpoint file that is not one, and leaves it as it was', async () => {
    rig = await (rigs[kind] as () => Promise<Rig>)();
    await register(rig.writer, ['p-1']);
    const checkpointFile = join(rig.dir, 'torn.checkpoint');
    writeFileSync(checkpointFile, '{"blockNumber":');
    const s = await source(rig);
    const err = await s
      .read({ checkpointFile, follow: true, onEvent: () => undefined })
      .catch((e: unknown) => e);
    expect(isColdtrailError(err, ErrorCode.InvalidInput)).toBe(true);
    expect((err as Error).message).toContain('is not a checkpoint');
    expect(readFileSync(checkpointFile, 'utf8')).toBe('{"blockNumber":');
  });

  it('refuses a checkpoint whose directory does not exist, before reading anything', async () => {
    rig = await (rigs[kind] as () => Promise<Rig>)();
    await register(rig.writer, ['p-1']);
    const checkpointFile = join(rig.dir, 'nowhere', 'events.checkpoint');
    const seen: LedgerEvent[] = [];
    const s = await source(rig);
    await expect(
      s.read({ checkpointFile, follow: true, onEvent: (e) => void seen.push(e) }),
    ).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
      message: expect.stringContaining('does not exist'),
    });
    expect(seen).toEqual([]);
    expect(existsSync(join(rig.dir, 'nowhere'))).toBe(false);
  });
});

describe('event source (embedded), without follow', () => {
  it('ends at the tip; --name filters, and the position still moves past what it filtered', async () => {
    rig = await rigs.embedded?.();
    const r = rig as Rig;
    const ids = await register(r.writer, ['p-1', 'p-2']);
    const revoke = (await r.writer.submit('RevokeDevice', ['p-1', 'lost'])).txId;
    const s = await source(r);
    const all: LedgerEvent[] = [];
    await s.read({ onEvent: (e) => void all.push(e) });
    expect(all.map((e) => [e.txId, e.name])).toEqual([
      [ids[0], 'DeviceRegistered'],
      [ids[1], 'DeviceRegistered'],
      [revoke, 'DeviceRevoked'],
    ]);

    const checkpointFile = join(r.dir, 'revoked.checkpoint');
    const revoked: LedgerEvent[] = [];
    await s.read({ name: 'DeviceRevoked', checkpointFile, onEvent: (e) => void revoked.push(e) });
    expect(revoked.map((e) => e.txId)).toEqual([revoke]);
    // Two registrations after it: filtered out, yet the checkpoint reaches the last of them.
    const more = await register(r.writer, ['p-3', 'p-4']);
    await s.read({ name: 'DeviceRevoked', checkpointFile, onEvent: (e) => void revoked.push(e) });
    expect(revoked).toHaveLength(1);
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8')).transactionId).toBe(more[1]);

    const fromLast: LedgerEvent[] = [];
    await s.read({ fromBlock: all[2]?.blockNumber ?? -1, onEvent: (e) => void fromLast.push(e) });
    expect(fromLast.map((e) => e.txId)).toEqual([revoke, ...more]);
  });
});

describe('event source (fabric), without follow', () => {
  it('is refused: the gateway stream has no end to stop at', async () => {
    rig = await rigs.fabric?.();
    const s = await source(rig as Rig);
    await expect(s.read({ onEvent: () => undefined })).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
      message: expect.stringContaining('pass --follow'),
    });
  });
});
