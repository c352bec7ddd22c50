import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ColdtrailError, ErrorCode, isColdtrailError, type Log } from '@coldtrail/core';
import { describeFailure } from '../exit-codes.js';
import {
  type AdminRequest,
  type AdminResponse,
  adminSocketPath,
  MAX_LINE_BYTES,
  MAX_SOCKET_PATH_BYTES,
  parseAdminRequest,
} from './admin-protocol.js';

export type AdminHandler = (request: AdminRequest) => Promise<unknown>;

export interface AdminServer {
  readonly path: string;
  /** Stops accepting, lets requests in progress finish and answer, closes connections, removes the socket. */
  close(): Promise<void>;
}

/**
 * Listens on `<dataDir>/admin.sock` (admin-protocol.ts). The caller holds the data dir's lock, so a socket
 * file already there was left by a server that died (kill -9, power cut) and is replaced; anything else
 * there is refused rather than deleted. The socket is created 0600 (umask around bind, then chmod).
 */
export async function startAdminServer(
  dataDir: string,
  handle: AdminHandler,
  log: Log,
): Promise<AdminServer> {
  const path = adminSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `admin socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes (the Unix socket limit): use a data dir with a shorter path`,
    );
  }
  removeStale(path, log);
  const sockets = new Set<Socket>();
  const inFlight = new Set<Promise<void>>();
  const state = { closing: false };
  const guarded: AdminHandler = (request) => {
    if (state.closing) {
      throw new ColdtrailError(
        ErrorCode.Unavailable,
        'the server is shutting down; run the command again once it is stopped',
      );
    }
    return handle(request);
  };
  const server = createServer((socket) => serve(socket, guarded, log, sockets, inFlight));
  server.on('error', (err) => log.error('admin-socket-error', { reason: err.message }));
  await listen(server, path);
  let closed: Promise<void> | undefined;
  return {
    path,
    close: () =>
      (closed ??= (async () => {
        state.closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        for (const s of sockets) s.destroy();
        await stopped;
        try {
          unlinkSync(path);
        } catch {
          // gone already (server.close removes it on some platforms)
        }
      })()),
  };
}

function removeStale(path: string, log: Log): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `${path} exists and is not a socket: move it away, the server keeps its admin socket there`,
    );
  }
  unlinkSync(path);
  log.warn('admin-socket-stale', { path, action: 'replaced (left by a server that did not close)' });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const previous = process.umask(0o177);
    server.once('error', reject);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        chmodSync(path, 0o600);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
}

function serve(
  socket: Socket,
  handle: AdminHandler,
  log: Log,
  sockets: Set<Socket>,
  inFlight: Set<Promise<void>>,
): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', (err) => log.warn('admin-connection-error', { reason: err.message }));
  let buffer = Buffer.alloc(0);
  // Requests on one connection are answered in order, one at a time.
  let queue = Promise.resolve();
  const send = (response: AdminResponse) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (let nl = buffer.indexOf(10); nl >= 0; nl = buffer.indexOf(10)) {
      const line = buffer.subarray(0, nl);
      buffer = buffer.subarray(nl + 1);
      if (line.length > MAX_LINE_BYTES) return tooLong();
      const text = line.toString('utf8').trim();
      if (text === '') continue;
      const job = queue.then(() => answer(text, handle, log).then(send));
      queue = job;
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
    }
    if (buffer.length > MAX_LINE_BYTES) tooLong();
  });
  function tooLong() {
    buffer = Buffer.alloc(0);
    socket.pause();
    send(failure(null, ErrorCode.InvalidInput, 2, `request line exceeds ${MAX_LINE_BYTES} bytes`));
    socket.end();
  }
}

async function answer(text: string, handle: AdminHandler, log: Log): Promise<AdminResponse> {
  const parsed = parseAdminRequest(text);
  if (!parsed.ok) {
    log.warn('admin-request-invalid', { reason: parsed.message });
    return failure(parsed.id ?? null, ErrorCode.InvalidInput, 2, parsed.message);
  }
  const { request } = parsed;
  const id = request.id ?? null;
  try {
    const result = await (async () => handle(request))();
    log.info('admin-request', { op: request.op, outcome: 'ok' });
    return { id, ok: true, result: result ?? null };
  } catch (err) {
    const f = describeFailure(err);
    const code = isColdtrailError(err) ? err.code : null;
    const fields = { op: request.op, outcome: 'failed', exitCode: f.exitCode, reason: f.message };
    if (f.stack) log.error('admin-request', { ...fields, stack: f.stack });
    else log.info('admin-request', fields);
    return failure(id, code, f.exitCode, f.message);
  }
}

function failure(
  id: string | number | null,
  code: string | null,
  exitCode: number,
  message: string,
): AdminResponse {
  return { id, ok: false, error: { code, exitCode, message } };
}
