import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isColdtrailError } from '@coldtrail/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDir } from './data-dir-lock.js';
import { tempDir } from './fixtures.test-kit.js';

describe('data dir lock', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('lets one holder at a time in, naming the holder, and frees on release', () => {
    const path = join(dir.path, 'data');
    const lock = lockDataDir(path);
    const busy = (() => {
      try {
        return lockDataDir(path);
      } catch (err) {
        return err;
      }
    })();
    expect(isColdtrailError(busy, 'UNAVAILABLE')).toBe(true);
    expect((busy as Error).message).toMatch(new RegExp(`^data dir ${path} is in use by pid ${process.pid}`));
    lock.release();
    lock.release();
    lockDataDir(path).release();
  });

  it('takes over a lock whose process is gone, or that is unreadable', () => {
    const path = dir.path;
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const lock = lockDataDir(path);
    const info = JSON.parse(readFileSync(lock.file, 'utf8'));
    writeFileSync(lock.file, JSON.stringify({ ...info, pid: Number(gone.stdout), token: 'dead' }));
    const again = lockDataDir(path);
    expect(JSON.parse(readFileSync(again.file, 'utf8')).pid).toBe(process.pid);
    lock.release(); // not ours any more: the new holder's lock stays
    expect(() => lockDataDir(path)).toThrow(/in use/);
    again.release();
    writeFileSync(join(path, LOCK_FILE), '{half a lo');
    lockDataDir(path).release();
  });

  it('a data dir that is a file is a config error that says what to do', () => {
    const file = join(dir.path, 'file');
    writeFileSync(file, '');
    for (const path of [file, join(file, 'below')]) {
      const err = (() => {
        try {
          return lockDataDir(path);
        } catch (e) {
          return e;
        }
      })();
      expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
      expect((err as Error).message).toMatch(/is a file, not a directory; pass another --data-dir/);
    }
  });
});
