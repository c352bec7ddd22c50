import { describe, expect, it } from 'vitest';
import { Disk, type LogEntry, parseLog, rng } from './replay.js';

const hex = (s: string) => Buffer.from(s).toString('hex');
const disk = (log: string) => {
  const d = new Disk();
  for (const e of parseLog(log)) d.apply(e);
  return d;
};
const text = (files: Map<string, Buffer>) =>
  Object.fromEntries([...files].map(([p, b]) => [p, b.toString()]));

describe('the power-loss disk model', () => {
  it('keeps a file write only once the file was fsynced, and a new name only once its directory was', () => {
    const created = `C 1 /d/a\nW 1 0 ${hex('hello')}\nS 1\n`;
    expect(text(disk(created).image())).toEqual({}); // the name is not durable yet
    expect(text(disk(`${created}D /d\n`).image())).toEqual({ '/d/a': 'hello' });
    expect(text(disk(`C 1 /d/a\nD /d\nW 1 0 ${hex('hello')}\n`).image())).toEqual({ '/d/a': '' });
    // another directory's fsync does not make the name durable
    expect(text(disk(`${created}D /e\n`).image())).toEqual({});
  });

  it('keeps an unlinked or renamed name until the directory is synced, with the file it named', () => {
    const base = `C 1 /d/j\nW 1 0 ${hex('journal')}\nS 1\nD /d\n`;
    expect(text(disk(`${base}U /d/j\n`).image())).toEqual({ '/d/j': 'journal' });
    expect(text(disk(`${base}U /d/j\nD /d\n`).image())).toEqual({});
    expect(text(disk(`${base}R /d/j /d/k\n`).image())).toEqual({ '/d/j': 'journal' });
    expect(text(disk(`${base}R /d/j /d/k\nD /d\n`).image())).toEqual({ '/d/k': 'journal' });
    // a name reused after an unlink is a new file: the old one's bytes never show through
    const reused = `${base}U /d/j\nC 2 /d/j\nW 2 0 ${hex('new')}\nS 2\nD /d\n`;
    expect(text(disk(reused).image())).toEqual({ '/d/j': 'new' });
  });

  it('applies truncation and growth as the file saw them', () => {
    const log = `C 1 /d/w\nD /d\nW 1 0 ${hex('abcdef')}\nT 1 2\nW 1 4 ${hex('z')}\nS 1\n`;
    expect(disk(log).image().get('/d/w')).toEqual(Buffer.from('ab\0\0z'));
  });

  it('drops the -shm file, and refuses a writable mapping of any other file', () => {
    const log = 'C 1 /d/x-shm\nC 2 /d/x\nD /d\nP 1\n';
    expect([...disk(log).image().keys()]).toEqual(['/d/x']);
    expect(() => disk('C 1 /d/x\nP 1\n')).toThrow(/mapped writable/);
  });

  it('refuses a log with a call it cannot replay or a file it did not see created', () => {
    expect(() => parseLog('Z fallocate\n')).toThrow(/cannot model \(fallocate\)/);
    expect(() => parseLog('E 1 /d/old\n')).toThrow(/existed before the run/);
    expect(() => disk('W 7 0 00\n')).toThrow(/never created/);
  });

  it('a random image holds, per unsynced write (or torn sector), either the old or the new bytes', () => {
    const page = 'n'.repeat(1024);
    const log = `C 1 /d/f\nW 1 0 ${hex('o'.repeat(1024))}\nS 1\nD /d\nW 1 0 ${hex(page)}\n`;
    const d = disk(log);
    const seen = new Set<string>();
    for (let seed = 0; seed < 64; seed++) {
      const f = d
        .image({ rng: rng(seed), tear: true })
        .get('/d/f')!
        .toString();
      expect(f).toMatch(/^(o{512}|n{512})(o{512}|n{512})$/);
      seen.add(f);
    }
    expect(seen.size).toBe(4); // both sectors torn either way
    const entries: LogEntry[] = parseLog(log);
    expect(entries.map((e) => e.t)).toEqual(['create', 'write', 'sync', 'dirsync', 'write']);
  });
});
