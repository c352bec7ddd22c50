import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, makeSscc } from '@coldtrail/core';
import {
  createLedgerClient,
  type EmbeddedLedger,
  type LedgerPort,
  openEmbeddedLedger,
} from '@coldtrail/ledger-sync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashTree } from '../../../test/e2e/data-dir-kit.js';
import { ledgerSyncDir } from '../data-dir.js';
import { Exit } from '../exit-codes.js';
import { run } from '../main.js';
import { sql } from './ledger-browse.test-kit.js';

const CLI = fileURLToPath(new URL('../../bin/coldtrail.js', import.meta.url));
const ORG = 'CarrierMSP';
const PHARMACY = 'PharmacyMSP';
const DOCK = 'urn:epc:id:sgln:7612345.00010.0';
const SSCC = makeSscc(0, '3761234', 7);

let root: string;
let dataDir: string;
let ledger: EmbeddedLedger | undefined;
let out: string[];
let err: string[];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'coldtrail-ledger-events-'));
  dataDir = join(root, 'data');
  out = [];
  err = [];
});
afterEach(async () => {
  vi.restoreAllMocks();
  await ledger?.close();
  ledger = undefined;
  rmSync(root, { recursive: true, force: true });
});

/**
 * A real embedded ledger in `dataDir`: device, shipment, a custody offer (and a second, concurrent offer the
 * block invalidates: MVCC_READ_CONFLICT, its event must not show), the receiver's accept. Left open.
 */
async function seed(): Promise<{ port: LedgerPort; offer: string; accept: string }> {
  ledger = await openEmbeddedLedger({
    path: ledgerSyncDir(dataDir),
    blockMaxTx: 10,
    blockTimeoutMs: 20,
  });
  const port = ledger.port(ORG);
  const client = createLedgerClient(port);
  await client.registerDevice({ id: 'probe-1', publicKey: 'ab'.repeat(32) });
  await client.createShipment({
    sscc: SSCC,
    device: 'probe-1',
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq: 1,
  });
  const offerArgs = [SSCC, canonicalJson({ to: PHARMACY, location: DOCK })];
  const offers = await Promise.allSettled([
    port.submit('OfferCustody', offerArgs),
    port.submit('OfferCustody', offerArgs),
  ]);
  const done = offers.filter((o) => o.status === 'fulfilled');
  expect(done).toHaveLength(1);
  const accept = await ledger
    .port(PHARMACY)
    .submit('AcceptCustody', [SSCC, canonicalJson({ location: DOCK })]);
  return {
    port,
    offer: (done[0] as PromiseFulfilledResult<{ txId: string }>).value.txId,
    accept: accept.txId,
  };
}

/** The valid transactions with their events, by plain SQL on the stored ledger. */
function stored(): { block: number; txId: string; name: string; payload: unknown }[] {
  return sql(dataDir, (db) =>
    (
      db
        .prepare(
          "SELECT block_number, tx_id, envelope FROM transactions WHERE validation_code = 'VALID' ORDER BY block_number, tx_index",
        )
        .all() as { block_number: number; tx_id: string; envelope: string }[]
    ).map((r) => {
      const e = JSON.parse(r.envelope).payload.event as { name: string; payload: string };
      return {
        block: r.block_number,
        txId: r.tx_id,
        name: e.name,
        payload: JSON.parse(Buffer.from(e.payload, 'base64').toString('utf8')),
      };
    }),
  );
}

/** `coldtrail ledger events ...args --data-dir dataDir` in this process: exit code and what it printed. */
async function events(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  out.length = 0;
  err.length = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  try {
    const code = await run(['node', 'coldtrail', 'ledger', 'events', ...args, '--data-dir', dataDir]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const ndjson = (text: string) => lines(text).map((l) => JSON.parse(l));

describe('coldtrail ledger events', () => {
  it('prints the events of valid transactions in commit order, one line each, and ends at the tip', async () => {
    const { offer, accept } = await seed();
    const r = await events();
    expect(r.code, r.stderr).toBe(Exit.Ok);
    const want = stored();
    expect(want.map((e) => e.name)).toEqual([
      'DeviceRegistered',
      'ShipmentCreated',
      'CustodyOffered',
      'CustodyAccepted',
    ]);
    expect(lines(r.stdout)).toEqual(
      want.map((e) => `block ${e.block}  ${e.txId}  ${e.name}  ${JSON.stringify(e.payload)}`),
    );
    expect(want[2]?.txId).toBe(offer);
    expect(want[3]?.txId).toBe(accept);
    // The invalidated second offer is in a block, with its event in its envelope, yet not printed.
    const invalid = sql(dataDir, (db) =>
      db.prepare("SELECT count(*) FROM transactions WHERE validation_code != 'VALID'").pluck().get(),
    );
    expect(invalid).toBe(1);
  });

  it('--json prints one object per line: block, txId, name and the payload decoded', async () => {
    const { offer } = await seed();
    const r = await events('--json');
    expect(r.code, r.stderr).toBe(Exit.Ok);
    const got = ndjson(r.stdout);
    expect(got).toEqual(stored());
    expect(Object.keys(got[0])).toEqual(['block', 'txId', 'name', 'payload']);
    expect(got[2]).toMatchObject({
      name: 'CustodyOffered',
      payload: { sscc: SSCC, from: ORG, to: PHARMACY, location: DOCK, txId: offer },
    });
    expect(got[3].payload.shipment).toMatchObject({ sscc: SSCC, custodian: PHARMACY });
  });

  it('--from starts at a block, --name keeps one kind of event', async () => {
    await seed();
    const all = stored();
    const from = all[2]?.block as number;
    expect(ndjson((await events('--json', '--from', String(from))).stdout)).toEqual(all.slice(2));
    const accepted = await events('--json', '--name', 'CustodyAccepted');
    expect(ndjson(accepted.stdout)).toEqual([all[3]]);
    expect(ndjson((await events('--json', '--name', 'NoSuchEvent')).stdout)).toEqual([]);
    const bad = await events('--from', '-1');
    expect(bad.code).toBe(Exit.Usage);
    expect(bad.stderr).toContain('--from must be a block number');
  });

  it('shows a payload that is not JSON in base64', async () => {
    await seed();
    await ledger?.close();
    ledger = undefined;
    const raw = Buffer.from([0xff, 0x00, 0x01]);
    // Rewritten at rest (ledger verify would refuse the envelope; events only show what is stored).
    sql(dataDir, (db) =>
      db
        .prepare(
          "UPDATE transactions SET envelope = json_set(envelope, '$.payload.event.payload', ?) WHERE block_number = 0",
        )
        .run(raw.toString('base64')),
    );
    const [first] = ndjson((await events('--json')).stdout);
    expect(first).toMatchObject({ block: 0, name: 'DeviceRegistered', payload: '/wAB', encoding: 'base64' });
    expect(lines((await events()).stdout)[0]).toMatch(
      /^block 0 {2}[0-9a-f]{64} {2}DeviceRegistered {2}base64:\/wAB$/,
    );
  });

  it('--checkpoint: a second run prints only the events committed since the first', async () => {
    const { port } = await seed();
    const checkpoint = join(root, 'events.checkpoint');
    const first = await events('--json', '--checkpoint', checkpoint);
    expect(first.code, first.stderr).toBe(Exit.Ok);
    expect(ndjson(first.stdout)).toHaveLength(4);
    const last = stored()[3];
    expect(JSON.parse(readFileSync(checkpoint, 'utf8'))).toEqual({
      blockNumber: String(last?.block),
      transactionId: last?.txId,
    });

    const revoke = await port.submit('RevokeDevice', ['probe-1', 'battery failed']);
    const second = await events('--json', '--checkpoint', checkpoint);
    expect(second.code, second.stderr).toBe(Exit.Ok);
    expect(ndjson(second.stdout)).toEqual([
      expect.objectContaining({ block: revoke.blockNumber, txId: revoke.txId, name: 'DeviceRevoked' }),
    ]);
    const third = await events('--checkpoint', checkpoint);
    expect(third.code).toBe(Exit.Ok);
    expect(third.stdout).toBe('');
  });

  it('refuses a corrupt checkpoint with exit 2 and leaves it alone', async () => {
    await seed();
    const checkpoint = join(root, 'events.checkpoint');
    writeFileSync(checkpoint, 'not json');
    const r = await events('--checkpoint', checkpoint);
    expect(r.code).toBe(Exit.Usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`event checkpoint ${checkpoint} is not a checkpoint`);
    expect(r.stderr).not.toContain('    at ');
    expect(readFileSync(checkpoint, 'utf8')).toBe('not json');

    // Well-formed, but another ledger's: its transaction is not in that block here.
    writeFileSync(checkpoint, JSON.stringify({ blockNumber: '1', transactionId: 'f'.repeat(64) }));
    const other = await events('--checkpoint', checkpoint);
    expect(other.code).toBe(Exit.Usage);
    expect(other.stderr).toContain("another ledger's checkpoint");
  });

  it('changes no byte of the data dir (without --checkpoint)', async () => {
    await seed();
    await ledger?.close();
    ledger = undefined;
    const before = hashTree(dataDir);
    expect((await events()).code).toBe(Exit.Ok);
    expect((await events('--json', '--name', 'CustodyOffered')).code).toBe(Exit.Ok);
    expect(hashTree(dataDir)).toEqual(before);
  });

  it('says what to do for a data dir without coldtrail data', async () => {
    const r = await events();
    expect(r.code).toBe(Exit.NotFound);
    expect(r.stderr).toContain('no coldtrail data');
  });
});

describe('coldtrail ledger events --follow (a separate process)', () => {
  it('prints an event committed after it started, keeps its checkpoint, and exits 0 on SIGINT and SIGTERM', async () => {
    const { port } = await seed();
    const checkpoint = join(root, 'follow.checkpoint');
    const child = follower(['--follow', '--json', '--checkpoint', checkpoint]);
    await child.waitForLines(4);
    const revoke = await port.submit('RevokeDevice', ['probe-1', 'battery failed']);
    const got = await child.waitForLines(5);
    expect(got[4]).toMatchObject({ block: revoke.blockNumber, txId: revoke.txId, name: 'DeviceRevoked' });
    child.kill('SIGINT');
    expect(await child.exited).toBe(0);
    expect(JSON.parse(readFileSync(checkpoint, 'utf8')).transactionId).toBe(revoke.txId);

    // Resumed: only what came after, and SIGTERM stops it as cleanly.
    const again = follower(['--follow', '--json', '--checkpoint', checkpoint]);
    const reg = await port.submit('RegisterDevice', ['probe-2', 'cd'.repeat(32)]);
    expect((await again.waitForLines(1))[0]).toMatchObject({ txId: reg.txId, name: 'DeviceRegistered' });
    again.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(ndjson(again.stdout())).toHaveLength(1);
  });
});

/** `coldtrail ledger events ...args` as its own process, reading stdout as NDJSON lines arrive. */
function follower(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'ledger', 'events', ...args, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters) w();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    exited,
    stdout: () => stdout,
    kill: (signal: NodeJS.Signals) => child.kill(signal),
    waitForLines(n: number, timeoutMs = 20_000): Promise<Record<string, unknown>[]> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          child.kill('SIGKILL');
          reject(new Error(`fewer than ${n} events within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const check = () => {
          if (!stdout.endsWith('\n') || lines(stdout).length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(ndjson(stdout));
        };
        void exited.then(() => {
          if (!waiters.has(check)) return;
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`exited before ${n} events:\n${stdout}\n${stderr}`));
        });
        waiters.add(check);
        check();
      });
    },
  };
}
