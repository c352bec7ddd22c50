import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BindingInterface } from '@coldtrail/core';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { SerialPair } from './serial-pair.js';
import { socatAvailable, socatMissingError } from './socat.js';

export interface PtyPairOptions {
  /**
   * Directory for the two stable link paths (`device`, `host`). Give the same directory again to lay a new
   * pair at the same paths (a reconnect). Default: a new temp dir, removed on close.
   */
  dir?: string;
  /** How long to wait for socat to set the pair up. Default 5000 ms. */
  startTimeoutMs?: number;
  /** The socat executable. Default `socat` from PATH. */
  command?: string;
}

/** node-serialport's native binding for this OS, loaded only when a real port is needed. */
export async function osSerialBinding(): Promise<BindingInterface> {
  const { SerialPort } = await import('serialport');
  return SerialPort.binding as BindingInterface;
}

/**
 * socat runs under a small POSIX sh supervisor whose stdin is a pipe from this process: the lifeline. When
 * it closes — on close(), or because this process died, even by SIGKILL, which no exit handler sees — the
 * supervisor stops socat and removes the pair's temp dir (when it made it), so no socat and no PTY directory
 * outlives its parent. socat's own stdin is /dev/null and it never sees the lifeline.
 */
const SUPERVISOR = `
exec 3<&0
"$0" "$@" 3<&- </dev/null &
pid=$!
{ read -r _ <&3; kill "$pid" 2>/dev/null; } &
watch=$!
wait "$pid"
rc=$?
kill "$watch" 2>/dev/null
[ -n "$COLDTRAIL_PTY_RMDIR" ] && rm -rf "$COLDTRAIL_PTY_RMDIR"
exit $rc
`;

/**
 * Two connected pseudo-terminals made by `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`, opened
 * with node-serialport's native binding like any serial port. Throws UNAVAILABLE naming socat and its install
 * command when socat is missing. When one end is closed socat exits, and the other end then closes with
 * `disconnected: true` (as a pulled USB adapter does). socat dies with this process (SUPERVISOR above).
 */
export async function openPtyPair(options: PtyPairOptions = {}): Promise<SerialPair> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'coldtrail-pty-')));
  const devicePath = join(dir, 'device');
  const hostPath = join(dir, 'host');
  const removeDir = () => (ownDir ? rm(dir, { recursive: true, force: true }) : Promise.resolve());
  let child: ChildProcess;
  const command = options.command ?? 'socat';
  try {
    if (!socatAvailable(command)) throw socatMissingError();
    const binding = await osSerialBinding();
    child = spawn(
      'sh',
      [
        '-c',
        SUPERVISOR,
        command,
        '-d',
        '-d',
        `pty,raw,echo=0,link=${devicePath}`,
        `pty,raw,echo=0,link=${hostPath}`,
      ],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
        env: { ...process.env, COLDTRAIL_PTY_RMDIR: ownDir ? dir : '' },
      },
    );
    await waitUntilReady(child, options.startTimeoutMs ?? 5000);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    let closing: Promise<void> | undefined;
    return {
      kind: 'pty',
      devicePath,
      hostPath,
      binding,
      close() {
        closing ??= (async () => {
          await stop(child, exited);
          await removeDir();
        })();
        return closing;
      },
    };
  } catch (err) {
    await removeDir();
    throw err;
  }
}

/** Cuts the lifeline (the supervisor stops socat and exits); SIGKILL if it has not gone within 2 s. */
async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/** socat -d -d logs "starting data transfer loop" once both PTYs and their links exist. */
function waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.stdin?.end();
      fail(
        new ColdtrailError(
          ErrorCode.Unavailable,
          `socat did not set up a PTY pair within ${timeoutMs} ms: ${log}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('starting data transfer loop')) done();
    };
    const onError = (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'ENOENT'
          ? socatMissingError(err)
          : new ColdtrailError(ErrorCode.Unavailable, `cannot run socat: ${err.message}`, { cause: err }),
      );
    const onExit = (code: number | null) =>
      fail(
        new ColdtrailError(
          ErrorCode.Unavailable,
          `socat exited (${code}) before the PTY pair was ready: ${log.trim()}`,
        ),
      );
    function cleanup() {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('error', onError);
      child.off('exit', onExit);
      // Keep draining stderr so socat never blocks on a full pipe.
      child.stderr?.resume();
    }
    function done() {
      cleanup();
      resolve();
    }
    function fail(err: Error) {
      cleanup();
      reject(err);
    }
    child.stderr?.on('data', onData);
    child.once('error', onError);
    child.once('exit', onExit);
  });
}
