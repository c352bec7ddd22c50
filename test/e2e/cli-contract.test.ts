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

  it('a data directory without coldtrail data is "not found" (exit 4) with a hint', async () => {
    const p = await runCli(['provenance', '106141411234567897', '--data-dir', empty]);
    expect(p.code).toBe(4);
    expect(p.stderr).toMatch(/coldtrail demo/);
    noStack(p.stderr);
    const l = await runCli(['ledger', 'verify', '--data-dir', empty]);
    expect(l.code).toBe(4);
    noStack(l.stderr);
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
