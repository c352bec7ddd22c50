import { isIdentifier, parseSscc, shipmentEntrySchema } from '@coldtrail/core';
import { shippedProfile } from '@coldtrail/ledger-sync';
import { AdminOp, type CreateShipmentArgs } from '../admin/admin-protocol.js';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { readContentsFile } from '../operator/contents-file.js';
import { ledgerDevice } from '../operator/data-dir-org.js';
import { withLocalOps } from '../operator/local-ops.js';
import { resolveProfile } from '../operator/shipment-profiles.js';
import { throughServerOrLocal } from '../operator/through-server.js';

export interface ShipmentCreateOptions {
  dataDir?: string;
  device: string;
  sscc?: string;
  profile?: string;
  origin?: string;
  destination?: string;
  product?: string;
  /** A JSON file listing what the shipment carries (contents-file.ts). */
  contents?: string;
  json?: boolean;
}

/**
 * `coldtrail shipment create`: starts a shipment in transit on an enrolled device, as the org that owns it,
 * with its readings from the device's next stored seq on. Default SSCC: the next free one. Through the
 * running server when one holds the data dir, else in this process. Prints the SSCC.
 */
export async function shipmentCreate(opts: ShipmentCreateOptions): Promise<void> {
  if (!isIdentifier(opts.device)) {
    throw new ExitError(
      Exit.Usage,
      `--device "${opts.device}" is not an identifier (letters, digits, . _ -; up to 64)`,
    );
  }
  // An unknown name or a bad profile file fails here, before anything is opened. A file is read here and sent
  // as the profile itself, so the server never opens a path the caller named.
  const spec = resolveProfile(opts.profile);
  const sendSpec = opts.profile !== undefined && shippedProfile(opts.profile) === undefined;
  const contents = opts.contents === undefined ? undefined : readContentsFile(opts.contents);
  const dataDir = resolveDataDir(opts.dataDir);
  existingLedgerSyncDir(dataDir);
  const args: CreateShipmentArgs = {
    device: opts.device,
    ...(opts.sscc === undefined ? {} : { sscc: parseSscc(opts.sscc) }),
    ...(opts.profile === undefined || sendSpec ? {} : { profile: spec.id }),
    ...(sendSpec ? { profileSpec: spec } : {}),
    ...(opts.origin === undefined ? {} : { origin: opts.origin }),
    ...(opts.destination === undefined ? {} : { destination: opts.destination }),
    ...(opts.product === undefined ? {} : { product: opts.product }),
    ...(contents === undefined ? {} : { contents }),
  };
  const { result } = await throughServerOrLocal(dataDir, { op: AdminOp.CreateShipment, args }, async () => {
    const device = await ledgerDevice(dataDir, opts.device);
    if (!device) {
      throw new ExitError(
        Exit.Usage,
        `device ${opts.device} is not enrolled on ${dataDir}: enrol it first with ` +
          `\`coldtrail device enroll --data-dir ${dataDir} --org ORG --device ${opts.device} --public-key FILE\``,
      );
    }
    return withLocalOps(dataDir, device.org, (ops) => ops.createShipment(args));
  });
  const shipment = shipmentEntrySchema.parse(result);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ shipment: shipment.sscc })}\n`);
    return;
  }
  process.stdout.write(`${shipment.sscc}\n`);
}
