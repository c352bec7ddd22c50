import { deviceEntrySchema, isIdentifier } from '@coldtrail/core';
import { z } from 'zod';
import { AdminOp, type RevokeArgs } from '../admin/admin-protocol.js';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { ledgerDevice } from '../operator/data-dir-org.js';
import { withLocalOps } from '../operator/local-ops.js';
import { throughServerOrLocal } from '../operator/through-server.js';

export interface DeviceRevokeOptions {
  dataDir?: string;
  reason?: string;
  json?: boolean;
}

const revokeResult = z.object({ device: deviceEntrySchema, disconnected: z.number().int().nonnegative() });

/**
 * `coldtrail device revoke <id>`: revokes the device on the ledger for good (lost, stolen, retired, a leaked
 * key), as the org that owns it. Through the running server, whose broker then drops the device's
 * connections at once and refuses it from then on; else in this process. Revoking again changes nothing.
 */
export async function deviceRevoke(device: string, opts: DeviceRevokeOptions): Promise<void> {
  if (!isIdentifier(device)) {
    throw new ExitError(
      Exit.Usage,
      `device id "${device}" is not an identifier (letters, digits, . _ -; up to 64)`,
    );
  }
  const dataDir = resolveDataDir(opts.dataDir);
  existingLedgerSyncDir(dataDir);
  const args: RevokeArgs = { device, reason: opts.reason ?? null };
  const { result } = await throughServerOrLocal(dataDir, { op: AdminOp.Revoke, args }, async () => {
    const entry = await ledgerDevice(dataDir, device);
    if (!entry)
      throw new ExitError(Exit.NotFound, `device ${device} is not enrolled on ${dataDir}; nothing to revoke`);
    return withLocalOps(dataDir, entry.org, (ops) => ops.revoke(args));
  });
  const { device: entry, disconnected } = revokeResult.parse(result);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(entry)}\n`);
    return;
  }
  process.stdout.write(
    `device ${entry.id} revoked at ${entry.revokedAt}${entry.reason ? ` (${entry.reason})` : ''}; ` +
      `${disconnected} live connection(s) closed; the broker refuses it from now on\n`,
  );
}
