import { deviceEntrySchema, isIdentifier } from '@coldtrail/core';
import { AdminOp, type EnrollArgs } from '../admin/admin-protocol.js';
import { resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { withLocalOps } from '../operator/local-ops.js';
import { readPublicKey } from '../operator/public-key-input.js';
import { throughServerOrLocal } from '../operator/through-server.js';

export interface DeviceEnrollOptions {
  dataDir?: string;
  org: string;
  device: string;
  /** A file holding the PEM (SPKI) public key, or `-` for standard input. */
  publicKey: string;
  json?: boolean;
}

/**
 * `coldtrail device enroll`: registers the device and its Ed25519 public key on the ledger as `--org`, so
 * the broker accepts it. Through the running server when one holds the data dir, else in this process.
 * Enrolling the same device with the same key again changes nothing; another key, or a revoked device, is
 * refused (exit 2).
 */
export async function deviceEnroll(opts: DeviceEnrollOptions): Promise<void> {
  for (const [name, value] of [
    ['--org', opts.org],
    ['--device', opts.device],
  ] as const) {
    if (!isIdentifier(value)) {
      throw new ExitError(
        Exit.Usage,
        `${name} "${value}" is not an identifier (letters, digits, . _ -; up to 64)`,
      );
    }
  }
  const dataDir = resolveDataDir(opts.dataDir);
  const args: EnrollArgs = {
    org: opts.org,
    device: opts.device,
    publicKey: await readPublicKey(opts.publicKey),
  };
  const { result } = await throughServerOrLocal(dataDir, { op: AdminOp.Enroll, args }, () =>
    withLocalOps(dataDir, opts.org, (ops) => ops.enroll(args)),
  );
  const entry = deviceEntrySchema.parse(result);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(entry)}\n`);
    return;
  }
  process.stdout.write(
    `device ${entry.id} enrolled for ${entry.org} (since ${entry.registeredAt})\n` +
      `start a shipment on it: coldtrail shipment create --data-dir ${dataDir} --device ${entry.id}\n`,
  );
}
