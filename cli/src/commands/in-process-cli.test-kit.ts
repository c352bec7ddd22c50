import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, vi } from 'vitest';
import { run } from '../main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Test-only: the CLI run in this process on a fresh temp data dir per test, its stdout and stderr captured.
 * Call at a test file's top level (it registers the hooks that make and remove the dir and restore mocks).
 * `cli(args, stdin)` runs `coldtrail ...args --data-dir <dir>` with `stdin` as standard input.
 */
export function inProcessCli(prefix: string): {
  dir(): string;
  cli(args: string[], stdin?: string): Promise<CliResult>;
} {
  let dir = '';
  const out: string[] = [];
  const err: string[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    async cli(args, stdin = '') {
      out.length = 0;
      err.length = 0;
      vi.spyOn(process, 'stdin', 'get').mockReturnValue(
        Readable.from([stdin]) as unknown as typeof process.stdin,
      );
      const code = await run(['node', 'coldtrail', ...args, '--data-dir', dir]);
      return { code, stdout: out.join(''), stderr: err.join('') };
    },
  };
}
