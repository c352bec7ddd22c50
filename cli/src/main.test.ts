import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Exit } from './exit-codes.js';
import { interruptHandling } from './main.js';

describe('interruptHandling', () => {
  it('aborts on the first SIGINT or SIGTERM, exits 130 on another SIGINT only once allowed, and lets go', () => {
    for (const first of ['SIGINT', 'SIGTERM'] as const) {
      const proc = new EventEmitter();
      const exits: number[] = [];
      const i = interruptHandling(proc as never, (code) => exits.push(code));
      expect(i.signal.aborted).toBe(false);
      proc.emit(first);
      expect(i.signal.aborted).toBe(true);
      proc.emit('SIGINT'); // not allowed yet: no exit from here (the process's default applies)
      expect(exits).toEqual([]);
      i.allowQuit();
      proc.emit('SIGINT');
      expect(exits).toEqual([Exit.Interrupted]);
      i.dispose();
      expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    }
  });

  it('dispose() stops listening before any signal came', () => {
    const proc = new EventEmitter();
    const i = interruptHandling(proc as never, () => {
      throw new Error('must not exit');
    });
    i.dispose();
    i.dispose();
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    proc.emit('SIGTERM');
    expect(i.signal.aborted).toBe(false);
  });
});

describe('every command has --help', () => {
  it('walks the whole command table: each command and subcommand has a description and prints usage', async () => {
    const { buildProgram } = await import('./main.js');
    const paths: string[][] = [];
    const walk = (cmd: import('commander').Command, path: string[]) => {
      for (const sub of cmd.commands) {
        paths.push([...path, sub.name()]);
        expect(sub.description(), `${[...path, sub.name()].join(' ')} has a description`).not.toBe('');
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(buildProgram(), []);
    // The commands the agent issue added, among the rest.
    for (const p of [
      'agent init',
      'agent start',
      'agent status',
      'server start',
      'device enroll',
      'sim start',
    ])
      expect(paths.map((x) => x.join(' '))).toContain(p);
    for (const path of paths) {
      let out = '';
      const program = buildProgram();
      program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
      const nested = (c: import('commander').Command) => {
        for (const s of c.commands) {
          s.configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (out += t) });
          s.exitOverride();
          nested(s);
        }
      };
      nested(program);
      await expect(program.parseAsync(['node', 'coldtrail', ...path, '--help'])).rejects.toMatchObject({
        code: 'commander.helpDisplayed',
      });
      expect(out, path.join(' ')).toMatch(new RegExp(`Usage: coldtrail ${path.join(' ')}`));
    }
  });
});
