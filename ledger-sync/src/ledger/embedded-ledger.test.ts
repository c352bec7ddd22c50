import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isColdtrailError, makeSscc } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedLedger, openEmbeddedLedger } from './embedded-ledger.js';
import { createLedgerClient } from './ledger-client.js';

const ORG = 'ColdtrailOrgMSP';
const CARRIER = 'CarrierOrgMSP';
const KEY = 'ab'.repeat(32);
const SSCC = makeSscc(0, '3761234', 1);

let dir: string;
let ledger: EmbeddedLedger | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-ledger-'));
});
afterEach(async () => {
  await ledger?.close();
  ledger = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function open(extra: { blockMaxTx?: number; blockTimeoutMs?: number } = {}): Promise<EmbeddedLedger> {
  ledger = await openEmbeddedLedger({ path: dir, ...extra });
  return ledger;
}

function blocks(): { number: number; prev_hash: string; hash: string }[] {
  const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT number, prev_hash, hash FROM blocks ORDER BY number').all() as never;
  } finally {
    db.close();
  }
}

const shipment = {
  sscc: SSCC,
  device: 'probe-1',
  origin: 'Basel DC',
  destination: 'Zurich pharmacy',
  product: 'Vaccine X',
  profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
  fromSeq: 1,
};

describe('embedded ledger', () => {
  it('runs the contract with the org identity, commits into linked blocks and answers queries', async () => {
    const l = await open();
    const client = createLedgerClient(l.port(ORG));
    const device = await client.registerDevice({ id: 'probe-1', publicKey: KEY });
    expect(device.org).toBe(ORG); // ClientIdentity read the MSP id of the creator certificate
    await client.createShipment(shipment);
    await client.anchorReadings({ device: 'probe-1', fromSeq: 1, toSeq: 4, root: 'c'.repeat(64), count: 4 });
    await client.completeShipment(SSCC, 4, { excursions: [], reason: null });
    expect(await client.anchoredUpTo('probe-1')).toBe(4);
    expect(await client.getDevice('nobody')).toBeUndefined();
    const view = await client.provenance(SSCC);
    expect(view?.custody.map((c) => c.action)).toEqual(['created', 'completed']);
    expect(view?.anchors).toHaveLength(1);

    const chain = blocks();
    expect(chain.map((b) => b.number)).toEqual([0, 1, 2, 3]);
    expect(chain[0]?.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < chain.length; i++) expect(chain[i]?.prev_hash).toBe(chain[i - 1]?.hash);
    const tip = { number: 3, hash: chain[3]?.hash, timestamp: expect.stringMatching(/Z$/) };
    expect(await l.verify()).toEqual({ ok: true, blocks: 4, transactions: 4, tip, problems: [] });

    const cert = await readFile(join(dir, 'ledger-keys', 'msp', ORG, 'cert.pem'), 'utf8');
    expect(cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('returns txId, block number and the contract result from submit; evaluate writes nothing', async () => {
    const l = await open();
    const port = l.port(ORG);
    const r = await port.submit('RegisterDevice', ['probe-1', KEY]);
    expect(r.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(r.blockNumber).toBe(0);
    expect(JSON.parse(Buffer.from(r.result).toString())).toMatchObject({ id: 'probe-1', org: ORG });
    await port.evaluate('RegisterDevice', ['probe-2', KEY]);
    expect(Buffer.from(await port.evaluate('GetDevice', ['probe-2'])).toString()).toBe('null');
    expect(blocks()).toHaveLength(1);
  });

  it('turns contract refusals into typed errors and records no transaction', async () => {
    const l = await open();
    const owner = createLedgerClient(l.port(ORG));
    await owner.registerDevice({ id: 'probe-1', publicKey: KEY });
    const carrier = createLedgerClient(l.port(CARRIER));
    const err = await carrier
      .anchorReadings({ device: 'probe-1', fromSeq: 1, toSeq: 2, root: 'c'.repeat(64), count: 2 })
      .catch((e: unknown) => e);
    expect(isColdtrailError(err, ErrorCode.Forbidden)).toBe(true);
    expect((err as Error).message).toMatch(/only ColdtrailOrgMSP, the owner of probe-1, may anchor/);
    const gap = await owner
      .anchorReadings({ device: 'probe-1', fromSeq: 3, toSeq: 4, root: 'c'.repeat(64), count: 2 })
      .catch((e: unknown) => e);
    expect(isColdtrailError(gap, ErrorCode.Conflict)).toBe(true);
    await expect(l.port(ORG).submit('NoSuchFn', [])).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    expect(blocks()).toHaveLength(1);
  });

  it('commits a lone submit within milliseconds and batches concurrent ones into one block', async () => {
    const l = await open({ blockMaxTx: 10, blockTimeoutMs: 20 });
    const port = l.port(ORG);
    const t0 = performance.now();
    await port.submit('RegisterDevice', ['probe-0', KEY]);
    expect(performance.now() - t0).toBeLessThan(1000);
    const results = await Promise.all(
      [1, 2, 3].map((i) => port.submit('RegisterDevice', [`probe-${i}`, KEY])),
    );
    expect(new Set(results.map((r) => r.blockNumber))).toEqual(new Set([1]));
    expect(blocks()).toHaveLength(2);
  });

  it('cuts a block as soon as blockMaxTx transactions wait', async () => {
    const l = await open({ blockMaxTx: 2, blockTimeoutMs: 60_000 });
    const port = l.port(ORG);
    const results = await Promise.all([1, 2].map((i) => port.submit('RegisterDevice', [`probe-${i}`, KEY])));
    expect(results.map((r) => r.blockNumber)).toEqual([0, 0]);
  });

  it('invalidates the second of two concurrent transactions that read and write the same key (MVCC)', async () => {
    const l = await open({ blockMaxTx: 10, blockTimeoutMs: 20 });
    const client = createLedgerClient(l.port(ORG));
    await client.registerDevice({ id: 'probe-1', publicKey: KEY });
    const window = { device: 'probe-1', fromSeq: 1, toSeq: 5, count: 5 };
    const outcomes = await Promise.allSettled([
      client.anchorReadings({ ...window, root: 'c'.repeat(64) }),
      client.anchorReadings({ ...window, root: 'd'.repeat(64) }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    const reason = (outcomes[1] as PromiseRejectedResult).reason;
    expect(isColdtrailError(reason, ErrorCode.Conflict)).toBe(true);
    expect(reason.message).toMatch(/MVCC_READ_CONFLICT/);
    expect((await client.anchors('probe-1', 1, 5))[0]?.root).toBe('c'.repeat(64));
    const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
    const codes = db.prepare('SELECT validation_code FROM transactions WHERE block_number = 1').pluck().all();
    db.close();
    expect(codes).toEqual(['VALID', 'MVCC_READ_CONFLICT']); // the invalid one is kept in the block, not applied
    expect((await l.verify()).ok).toBe(true);
  });

  it('detects a phantom read across two connections, and both append to one chain', async () => {
    // `slow` holds its transactions until closed; `fast` commits in between on the same database file.
    const slow = await openEmbeddedLedger({ path: dir, blockTimeoutMs: 60_000 });
    const fast = await open();
    await createLedgerClient(fast.port(ORG)).registerDevice({ id: 'probe-1', publicKey: KEY });
    await slow.port(ORG).evaluate('GetDevice', ['probe-1']); // loads the identity: the next simulation is immediate
    const listed = slow.port(ORG).submit('ListShipments', []); // reads an empty shipment range
    await fast.port(ORG).submit('CreateShipment', [JSON.stringify(shipment)]);
    await slow.close(); // orders the held transaction after the shipment was created
    const err = await listed.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.Conflict });
    expect((err as Error).message).toMatch(
      /PHANTOM_READ_CONFLICT in block 2|block 2 \(PHANTOM_READ_CONFLICT\)/,
    );
    expect(await fast.verify()).toMatchObject({ ok: true, blocks: 3 });
  });

  it('keeps everything across close and reopen, and continues the chain', async () => {
    let l = await open();
    await createLedgerClient(l.port(ORG)).registerDevice({ id: 'probe-1', publicKey: KEY });
    await l.close();
    await l.close(); // idempotent
    await expect(l.port(ORG).submit('GetDevice', ['probe-1'])).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    l = await open();
    const client = createLedgerClient(l.port(ORG));
    expect(await client.getDevice('probe-1')).toMatchObject({ org: ORG, publicKey: KEY });
    await client.createShipment(shipment);
    expect(blocks().map((b) => b.number)).toEqual([0, 1]);
    expect(await l.verify()).toMatchObject({ ok: true, blocks: 2 });
  });

  it('commits what is queued when closed, without waiting for the block timeout', async () => {
    const l = await open({ blockMaxTx: 100, blockTimeoutMs: 60_000 });
    const port = l.port(ORG);
    const pending = port.submit('RegisterDevice', ['probe-1', KEY]);
    await port.close();
    await port.close(); // a port closes alone, idempotently
    const t0 = performance.now();
    await l.close();
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect((await pending).blockNumber).toBe(0);
  });

  it('resolves submit only after the block is committed: a killed process loses nothing it was told', async () => {
    const dist = new URL('../../dist/ledger/index.js', import.meta.url).href;
    const script = `
      const { openEmbeddedLedger, createLedgerClient } = await import(${JSON.stringify(dist)});
      const l = await openEmbeddedLedger({ path: ${JSON.stringify(dir)} });
      await createLedgerClient(l.port('${ORG}')).registerDevice({ id: 'probe-1', publicKey: '${KEY}' });
      process.stdout.write('committed');
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const [, signal] = await once(child, 'exit');
    expect(err).toBe('');
    expect(out).toBe('committed');
    expect(signal).toBe('SIGKILL');
    const l = await open();
    expect(await createLedgerClient(l.port(ORG)).getDevice('probe-1')).toMatchObject({ org: ORG });
    expect((await l.verify()).ok).toBe(true);
  });

  it('uses the injected clock for transaction and block timestamps', async () => {
    const at = Date.parse('2030-06-01T12:00:00.000Z');
    ledger = await openEmbeddedLedger({
      path: join(dir, 'sim.sqlite'),
      clock: { now: () => at, sleep: async () => {} },
    });
    const device = await createLedgerClient(ledger.port(ORG)).registerDevice({
      id: 'probe-1',
      publicKey: KEY,
    });
    expect(device.registeredAt).toBe('2030-06-01T12:00:00.000Z');
    const db = new Database(join(dir, 'sim.sqlite'), { readonly: true });
    expect(db.prepare('SELECT timestamp FROM blocks').pluck().get()).toBe('2030-06-01T12:00:00.000Z');
    db.close();
  });

  it('refuses bad org names and options', async () => {
    const l = await open();
    expect(() => l.port('../evil')).toThrow(/not a valid MSP id/);
    await expect(openEmbeddedLedger({ path: dir, blockMaxTx: 0 })).rejects.toMatchObject({
      code: ErrorCode.InvalidConfig,
    });
  });

  it('makes identities only for a new ledger or a new org, never in place of a lost one', async () => {
    const l = await open();
    await createLedgerClient(l.port(ORG)).registerDevice({ id: 'probe-1', publicKey: KEY });
    await l.close();
    ledger = undefined;
    const keys = join(dir, 'ledger-keys');
    const nodeKey = await readFile(join(keys, 'node', 'key.pem'));
    await rm(join(keys, 'node', 'cert.pem'));
    await expect(openEmbeddedLedger({ path: dir })).rejects.toMatchObject({
      code: ErrorCode.Corrupted,
      message: expect.stringMatching(/lacks cert\.pem: the ledger's 1 blocks are signed by it/),
    });
    expect(await readFile(join(keys, 'node', 'key.pem'))).toEqual(nodeKey);
    await rm(join(keys, 'node'), { recursive: true });
    await expect(openEmbeddedLedger({ path: dir })).rejects.toMatchObject({
      message: expect.stringMatching(/lacks key\.pem and cert\.pem: the ledger's 1 blocks are signed by it/),
    });
    // With the node back, an org that signed transactions here cannot get a new key; a new org can.
    await rm(dir, { recursive: true, force: true });
    const again = await open();
    await createLedgerClient(again.port(ORG)).registerDevice({ id: 'probe-2', publicKey: KEY });
    await rm(join(keys, 'msp', ORG), { recursive: true });
    await expect(createLedgerClient(again.port(ORG)).getDevice('probe-2')).resolves.toMatchObject({
      id: 'probe-2',
    });
    const fresh = await open();
    await expect(createLedgerClient(fresh.port(ORG)).getDevice('probe-2')).rejects.toMatchObject({
      code: ErrorCode.Corrupted,
      message: expect.stringMatching(/the ledger holds transactions ColdtrailOrgMSP signed with it/),
    });
    await expect(createLedgerClient(fresh.port(CARRIER)).getDevice('probe-2')).resolves.toBeDefined();
    await again.close();
  });
});
