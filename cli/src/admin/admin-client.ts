import { connect } from 'node:net';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { Exit, ExitError } from '../exit-codes.js';
import { type AdminRequest, adminResponseSchema, adminSocketPath } from './admin-protocol.js';

/** Longest answer read back (a completion's excursion list is the largest). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export type AdminAnswer = { server: true; result: unknown } | { server: false };

const NO_SERVER = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK']);

/**
 * Sends one request to the server on `dataDir` and waits for its answer. `{server: false}` when no server
 * listens there (no socket, or one left by a server that died); a failure the server reports is thrown
 * with its own code, so the command exits as it would have without the server in between.
 */
export function adminRequest(dataDir: string, request: AdminRequest): Promise<AdminAnswer> {
  const path = adminSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let connected = false;
    let buffer = '';
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      fn();
    };
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) {
        if (buffer.length > MAX_RESPONSE_BYTES) settle(() => reject(broken(path, 'an answer too long')));
        return;
      }
      settle(() => {
        try {
          resolve({ server: true, result: unwrap(buffer.slice(0, nl), path) });
        } catch (err) {
          reject(err);
        }
      });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected && NO_SERVER.has(err.code ?? '')) return settle(() => resolve({ server: false }));
      settle(() =>
        reject(
          new ExitError(
            Exit.Unavailable,
            `cannot talk to the server through ${path}: ${err.message}` +
              (err.code === 'EACCES' ? ' (it belongs to another user: run as the user of the server)' : ''),
          ),
        ),
      );
    });
    socket.on('close', () => settle(() => reject(broken(path, 'no answer (see the server log)'))));
  });
}

function unwrap(line: string, path: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw broken(path, 'an answer that is not JSON');
  }
  const parsed = adminResponseSchema.safeParse(value);
  if (!parsed.success) throw broken(path, 'an answer that is not an admin response');
  const response = parsed.data;
  if (response.ok) return response.result;
  const { code, exitCode, message } = response.error;
  if (code !== null && (Object.values(ErrorCode) as string[]).includes(code)) {
    throw new ColdtrailError(code as ErrorCode, message);
  }
  throw new ExitError(knownExit(exitCode), message);
}

function knownExit(code: number): Exit {
  return (Object.values(Exit) as number[]).includes(code) ? (code as Exit) : Exit.Internal;
}

function broken(path: string, what: string): ExitError {
  return new ExitError(Exit.Unavailable, `the server behind ${path} gave ${what}`);
}
