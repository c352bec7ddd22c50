import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Exit, ExitError } from '../exit-codes.js';
import { serverStart } from './server-start.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldtrail-server-start-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function usage(opts: Parameters<typeof serverStart>[0]): Promise<string> {
  const err = await serverStart({ dataDir: dir, ...opts }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExitError);
  expect((err as ExitError).exitCode).toBe(Exit.Usage);
  return (err as Error).message;
}

describe('server start --ledger / --fabric-connection', () => {
  it('refuses a ledger choice that cannot work before it opens anything', async () => {
    expect(await usage({ ledger: 'fabric' })).toContain('--fabric-connection FILE');
    expect(await usage({ ledger: 'embedded', fabricConnection: 'c.yaml' })).toContain('--ledger fabric');
    expect(await usage({ ledger: 'besu' })).toContain('embedded (the default) or fabric');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the connection file it cannot read', async () => {
    const missing = join(dir, 'missing.yaml');
    const err = await serverStart({ dataDir: join(dir, 'data'), fabricConnection: missing }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(missing);
    expect(err?.message).toContain('connection.example.yaml');
  });
});
