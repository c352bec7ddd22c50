import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { Exit } from '../exit-codes.js';
import { readPasswords } from './password-input.js';

/** A stand-in terminal: a stream with isTTY and setRawMode, as node's tty.ReadStream has. */
function terminal() {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: vi.fn() });
  const prompts: string[] = [];
  const stderr = Object.assign(new PassThrough(), {
    write: (s: string) => {
      prompts.push(s);
      return true;
    },
  });
  return { stdin, stderr, prompts };
}

describe('readPasswords', () => {
  it('reads one line per password from stdin with --password-stdin, and refuses too few', async () => {
    const stdin = Readable.from(['old secret 1\nnew secret 2\n']);
    expect(await readPasswords({ passwordStdin: true, stdin }, ['current', 'new'])).toEqual([
      'old secret 1',
      'new secret 2',
    ]);
    await expect(
      readPasswords({ passwordStdin: true, stdin: Readable.from(['only one\n']) }, ['current', 'new']),
    ).rejects.toMatchObject({ exitCode: Exit.Usage, message: expect.stringContaining('expects 2 line(s)') });
  });

  it('prompts on a terminal without echo (raw mode, backspace edits), and Ctrl-C interrupts', async () => {
    const t = terminal();
    const answer = readPasswords(t, ['password for jroe']);
    t.stdin.write('secrez\u007ft\r');
    expect(await answer).toEqual(['secret']);
    expect(t.prompts[0]).toBe('password for jroe: ');
    expect(t.prompts.join('')).not.toContain('secret');
    expect(t.stdin.setRawMode.mock.calls).toEqual([[true], [false]]);

    const t2 = terminal();
    const interrupted = readPasswords(t2, ['password']);
    t2.stdin.write('abc\u0003');
    await expect(interrupted).rejects.toMatchObject({ exitCode: Exit.Interrupted });
  });

  it('refuses to wait for a password when stdin is not a terminal and --password-stdin is not given', async () => {
    await expect(readPasswords({ stdin: Readable.from(['x\n']) }, ['password'])).rejects.toThrow(
      /pass --password-stdin/,
    );
  });
});
