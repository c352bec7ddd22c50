import { isColdtrailError } from '@coldtrail/core';
import { lockDataDir } from '@coldtrail/ledger-sync';
import { adminRequest } from '../admin/admin-client.js';
import { type AdminRequest, adminSocketPath } from '../admin/admin-protocol.js';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * Runs an operator command on `dataDir`: through the admin socket of the server that holds it, or, when no
 * server answers there, in this process under the data dir's lock (so a server started meanwhile waits for
 * us, and we never write a running server's files). A data dir locked by a process whose socket does not
 * answer (a demo, a server still starting or hung) is UNAVAILABLE, exit 5.
 */
export async function throughServerOrLocal<T>(
  dataDir: string,
  request: AdminRequest,
  local: () => Promise<T>,
): Promise<{ result: T | unknown; via: 'server' | 'local' }> {
  const answer = await adminRequest(dataDir, request);
  if (answer.server) return { result: answer.result, via: 'server' };
  let lock: ReturnType<typeof lockDataDir>;
  try {
    lock = lockDataDir(dataDir);
  } catch (err) {
    if (isColdtrailError(err, 'UNAVAILABLE')) {
      throw new ExitError(
        Exit.Unavailable,
        `${err.message}; no server answers on ${adminSocketPath(dataDir)} (a demo, or a server that is ` +
          'starting or hung): wait for it to finish, or stop it, and run the command again',
      );
    }
    throw err;
  }
  try {
    return { result: await local(), via: 'local' };
  } finally {
    lock.release();
  }
}
