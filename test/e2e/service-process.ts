import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from './run-cli.js';

/** A long-running `coldtrail …` process (sim, agent, server) as a user starts it, with its output kept. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line that parses as JSON (what `--json` services print once up). */
  ready<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
  /** Resolves when the process has exited. */
  exited(): Promise<{ code: number | null; signal: string | null }>;
}

export function startService(args: readonly string[], env: NodeJS.ProcessEnv = {}): ServiceProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const describe = () => `coldtrail ${args.join(' ')}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;
  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    ready<T>(timeoutMs = 30_000) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`not ready within ${timeoutMs} ms: ${describe()}`));
        }, timeoutMs);
        const check = () => {
          for (const line of out.split('\n')) {
            if (!line.trim().startsWith('{')) continue;
            try {
              const value = JSON.parse(line) as T;
              cleanup();
              resolve(value);
              return;
            } catch {
              // an incomplete line: wait for more
            }
          }
        };
        const onExit = () => {
          cleanup();
          reject(new Error(`exited before it was ready: ${describe()}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('close', onExit);
        };
        child.stdout?.on('data', check);
        child.once('close', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
    exited: () => exit,
  };
}
