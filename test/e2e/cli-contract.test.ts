import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** The CLI's Unix contract: --help everywhere, exit codes that mean something, no stack traces for user errors. */
const empty = mkdtempSync(join(tmpdir(), 'coldtrail-cli-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('coldtrail CLI contract', () => {
  it.each([
    [['--help']],
    [['demo', '--help']],
    [['provenance', '--help']],
    [['ledger', '--help']],
    [['ledger', 'verify', '--help']],
    [['ledger', 'export-tip', '--help']],
    [['shipment', '--help']],
    [['shipment', 'list', '--help']],
    [['shipment', 'complete', '--help']],
  ])('%j prints usage and exits 0', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: coldtrail/);
  });

  it('documents the exit codes in --help', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/Exit codes: 0 ok.*3 verification failed/s);
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    for (const args of [
      ['frobnicate'],
      ['demo', '--speed', 'fast'],
      ['demo', '--mqtt-port', '70000'],
      ['demo', '--serial', 'usb'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error|invalid|unknown/i);
    }
  });

  it('a malformed SSCC is a usage error that says what an SSCC is (exit 2, no stack)', async () => {
    const r = await runCli(['provenance', '12345', '--data-dir', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/18 digits with a valid GS1 check digit/);
    noStack(r.stderr);
  });

  it('a --data-dir that is a file is a usage error saying so, for writers and readers alike', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = join(empty, 'a-file');
    writeFileSync(file, 'not a directory\n');
    for (const args of [
      ['demo', '--serial', 'in-process'],
      ['provenance', '106141411234567897'],
      ['shipment', 'list'],
      ['shipment', 'complete', '106141411234567897'],
      ['ledger', 'verify'],
      ['ledger', 'export-tip'],
    ]) {
      const r = await runCli([...args, '--data-dir', file]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/is a file, not a directory.*--data-dir/);
      noStack(r.stderr);
    }
    const below = await runCli(['demo', '--serial', 'in-process', '--data-dir', join(file, 'sub')]);
    expect(below.code).toBe(2);
    expect(below.stderr).toMatch(/cannot be used: it is a file, not a directory/);
  });

  it('a bad option creates nothing: no data dir, no shipment left behind', async () => {
    const { existsSync } = await import('node:fs');
    const dir = join(empty, 'never');
    const r = await runCli(['demo', '--speed', '0', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(existsSync(dir)).toBe(false);
  });

  it('a data directory without coldtrail data is "not found" (exit 4) with a hint', async () => {
    const { mkdirSync } = await import('node:fs');
    const bare = join(empty, 'bare');
    mkdirSync(bare);
    const p = await runCli(['provenance', '106141411234567897', '--data-dir', bare]);
    expect(p.code).toBe(4);
    expect(p.stderr).toMatch(/coldtrail demo/);
    noStack(p.stderr);
    for (const args of [
      ['ledger', 'verify'],
      ['ledger', 'export-tip'],
      ['shipment', 'list'],
    ]) {
      const l = await runCli([...args, '--data-dir', bare]);
      expect(l.code, args.join(' ')).toBe(4);
      noStack(l.stderr);
    }
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(bare)).toEqual([]); // a read creates nothing, not even on a bare directory
  });

  it('a data file that is not a database is a failed verification (exit 3), not an internal error', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = join(empty, 'garbage', 'ledger-sync');
    mkdirSync(dir, { recursive: true });
    const junk = Buffer.alloc(4096, 0x5a);
    writeFileSync(join(dir, 'ledger.sqlite'), junk);
    writeFileSync(join(dir, 'readings.db'), junk);
    for (const args of [
      ['ledger', 'verify'],
      ['provenance', '106141411234567897'],
    ]) {
      const r = await runCli([...args, '--data-dir', join(empty, 'garbage')]);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/not a database/);
      noStack(r.stderr);
    }
  });

  it('a scenario file that does not validate lists its problems (exit 2, no stack)', async () => {
    const { writeFileSync } = await import('node:fs');
    const bad = join(empty, 'bad.yaml');
    writeFileSync(bad, 'name: x\nduration: forever\n');
    const r = await runCli([
      'demo',
      '--data-dir',
      join(empty, 'd'),
      '--scenario',
      bad,
      '--serial',
      'in-process',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/duration/);
    noStack(r.stderr);
  });
});
