import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerClient, openEmbeddedLedger } from '@coldtrail/ledger-sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ledgerSyncDir } from '../data-dir.js';
import { Exit } from '../exit-codes.js';
import { parseExpectTip } from '../expect-tip.js';
import { ledgerVerify } from './ledger-verify.js';

const HASH = 'AB'.repeat(32);

describe('parseExpectTip', () => {
  it('reads N:HEX and N', () => {
    expect(parseExpectTip(`12:${HASH}`)).toEqual({ expectTip: { number: 12, hash: HASH.toLowerCase() } });
    expect(parseExpectTip('0')).toEqual({ expectTip: { number: 0 } });
  });

  it.each(['', 'x', '-1', '1.5', '3:', '3:abc', `:${HASH}`, `3:${HASH}0`])(
    '%j is a usage error that states the format',
    (value) => {
      expect(() => parseExpectTip(value)).toThrow(
        expect.objectContaining({ exitCode: Exit.Usage, message: expect.stringMatching(/<number:hash>/) }),
      );
    },
  );
});

describe('ledgerVerify', () => {
  let dataDir: string;
  let tip: { number: number; hash: string };
  const out: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'coldtrail-ledger-verify-'));
    const ledger = await openEmbeddedLedger({ path: ledgerSyncDir(dataDir) });
    const client = createLedgerClient(ledger.port('ColdtrailOrgMSP'));
    await client.registerDevice({ id: 'probe-1', publicKey: 'ab'.repeat(32) });
    await client.registerDevice({ id: 'probe-2', publicKey: 'cd'.repeat(32) });
    const report = await ledger.verify();
    await ledger.close();
    if (!report.tip) throw new Error('the test ledger has no blocks');
    tip = report.tip;
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
    process.exitCode = undefined;
  });

  function capture(): void {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  }

  it('prints the tip so it can be passed back as --expect-tip', async () => {
    capture();
    await ledgerVerify({ dataDir });
    expect(out.join('')).toMatch(
      new RegExp(
        `^ledger intact: 2 blocks, 2 transactions verified; tip block ${tip.number} hash ${tip.hash}\n`,
      ),
    );
    expect(process.exitCode).toBeUndefined();
  });

  it('passes the expected tip through, in human and JSON output', async () => {
    capture();
    await ledgerVerify({ dataDir, expectTip: `${tip.number}:${tip.hash}` });
    expect(process.exitCode).toBeUndefined();
    await ledgerVerify({ dataDir, expectTip: String(tip.number + 1), json: true });
    expect(process.exitCode).toBe(Exit.VerificationFailed);
    const report = JSON.parse(out.slice(1).join(''));
    expect(report).toMatchObject({ ok: false, tip, problems: [{ check: 'tip', block: tip.number + 1 }] });
  });

  it('refuses a malformed --expect-tip before touching the data', async () => {
    await expect(ledgerVerify({ dataDir: join(dataDir, 'nothing'), expectTip: 'tip' })).rejects.toMatchObject(
      {
        exitCode: Exit.Usage,
      },
    );
  });
});
