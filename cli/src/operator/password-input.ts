import { Exit, ExitError } from '../exit-codes.js';

/**
 * Where a signer's password comes from: with `--password-stdin`, lines of standard input (one per password
 * asked, as `docker login --password-stdin` reads it); else, on a terminal, a prompt that does not echo.
 * Never an option value: a password on the command line would sit in the shell history and in `ps`.
 */
export interface PasswordSource {
  /** `--password-stdin` given. */
  passwordStdin?: boolean;
  /** Standard input (tests pass their own stream). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where prompts go. */
  stderr?: NodeJS.WritableStream;
}

const MAX_STDIN_BYTES = 4096;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.length > MAX_STDIN_BYTES) {
      throw new ExitError(Exit.Usage, `--password-stdin reads at most ${MAX_STDIN_BYTES} bytes`);
    }
  }
  return text;
}

/** Reads one hidden line from a terminal in raw mode (no echo); Ctrl-C interrupts. */
function promptHidden(
  stdin: NodeJS.ReadStream,
  stderr: NodeJS.WritableStream,
  prompt: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(prompt);
    let typed = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new ExitError(Exit.Interrupted, 'interrupted: nothing was signed'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** The passwords asked for, in order (`prompts` names each, e.g. "password for jroe"). */
export async function readPasswords(source: PasswordSource, prompts: string[]): Promise<string[]> {
  const stdin = source.stdin ?? process.stdin;
  if (source.passwordStdin) {
    const lines = (await readAll(stdin)).split(/\r?\n/);
    const passwords = lines.slice(0, prompts.length);
    if (passwords.length < prompts.length || passwords.some((p) => p === '')) {
      throw new ExitError(
        Exit.Usage,
        `--password-stdin expects ${prompts.length} line(s) on standard input: ${prompts.join(', then ')}`,
      );
    }
    return passwords;
  }
  if (stdin.isTTY && 'setRawMode' in stdin) {
    const out: string[] = [];
    for (const p of prompts) {
      out.push(await promptHidden(stdin as NodeJS.ReadStream, source.stderr ?? process.stderr, `${p}: `));
    }
    return out;
  }
  throw new ExitError(
    Exit.Usage,
    'a password is needed and standard input is not a terminal: pass --password-stdin and write it on stdin',
  );
}
