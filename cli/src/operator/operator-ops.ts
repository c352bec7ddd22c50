import { parseSscc, type ShipmentItem } from '@coldtrail/core';
import type { CompletedShipment, DeviceEntry, LedgerSyncHandle, ShipmentEntry } from '@coldtrail/ledger-sync';
import type {
  CompleteShipmentArgs,
  CreateShipmentArgs,
  EnrollArgs,
  RevokeArgs,
} from '../admin/admin-protocol.js';
import { DEMO, nextSscc } from '../demo/demo-setup.js';
import { Exit, ExitError } from '../exit-codes.js';
import { profileArg, resolveProfile, shipmentProfileFields } from './shipment-profiles.js';

export interface RevokeResult {
  device: DeviceEntry;
  /** Connections of the device the running broker closed (0 when no server ran). */
  disconnected: number;
}

export interface CompleteResult {
  shipment: ShipmentEntry;
  /** The excursions the completion recorded; null when the shipment was completed already. */
  excursions: CompletedShipment['excursions'] | null;
  reason: string | null;
  alreadyCompleted?: true;
}

/** What the operator's commands do, on a ledger-sync of the org they act for (the server's or their own). */
export interface OperatorOps {
  enroll(args: EnrollArgs): Promise<DeviceEntry>;
  revoke(args: RevokeArgs): Promise<RevokeResult>;
  createShipment(args: CreateShipmentArgs): Promise<ShipmentEntry>;
  completeShipment(args: CompleteShipmentArgs): Promise<CompleteResult>;
}

export interface OperatorContext {
  ls: Pick<
    LedgerSyncHandle,
    'ledger' | 'registerDevice' | 'revokeDevice' | 'createShipment' | 'completeShipment'
  >;
  /** The org this ledger-sync acts for. */
  org: string;
  /** For the messages that say what to do. */
  dataDir: string;
  /** Drops the device's live connections (the server's broker); answers how many. */
  disconnect?: (device: string) => number;
}

/**
 * The operations behind `device enroll|revoke` and `shipment create|complete`, shared by the admin socket
 * (inside `server start`) and by the commands when no server runs, so both paths apply the same rules.
 */
export function operatorOps(ctx: OperatorContext): OperatorOps {
  const { ls, org, dataDir } = ctx;
  return {
    async enroll({ org: deviceOrg, device, publicKey }) {
      if (deviceOrg !== org) {
        throw new ExitError(
          Exit.Usage,
          `the server on ${dataDir} acts for ${org}, not ${deviceOrg}: it could not anchor the readings of a ` +
            `device of ${deviceOrg}. Enrol with --org ${org}, or run the server with --org ${deviceOrg}`,
        );
      }
      return ls.registerDevice({ id: device, publicKey });
    },

    async revoke({ device, reason }) {
      const existing = await ls.ledger.getDevice(device);
      if (!existing) {
        throw new ExitError(
          Exit.NotFound,
          `device ${device} is not enrolled on ${dataDir}; nothing to revoke`,
        );
      }
      const entry = await ls.revokeDevice(device, reason ?? null);
      return { device: entry, disconnected: ctx.disconnect?.(device) ?? 0 };
    },

    async createShipment(args) {
      const device = await ls.ledger.getDevice(args.device);
      if (!device) {
        throw new ExitError(
          Exit.Usage,
          `device ${args.device} is not enrolled on ${dataDir}: enrol it first with ` +
            `\`coldtrail device enroll --data-dir ${dataDir} --org ${org} --device ${args.device} --public-key FILE\``,
        );
      }
      if (device.status === 'revoked') {
        throw new ExitError(
          Exit.Usage,
          `device ${args.device} was revoked at ${device.revokedAt ?? '?'}; a revoked device carries no new ` +
            'shipment: enrol a replacement under a new device id',
        );
      }
      const open = await ls.ledger.openShipment(args.device);
      if (open) {
        throw new ExitError(
          Exit.Usage,
          `device ${args.device} still carries shipment ${open.sscc} (in transit); a device carries one at a ` +
            `time: complete it first with \`coldtrail shipment complete ${open.sscc} --data-dir ${dataDir}\``,
        );
      }
      const spec =
        args.profileSpec === undefined ? resolveProfile(args.profile) : profileArg(args.profileSpec);
      const sscc = args.sscc === undefined ? await nextSscc(ls.ledger) : parseSscc(args.sscc);
      return ls.createShipment({
        sscc,
        device: args.device,
        origin: args.origin ?? DEMO.origin,
        destination: args.destination ?? DEMO.destination,
        product: args.product ?? DEMO.product,
        ...shipmentProfileFields(spec),
        // Items as the caller sent them: the contract refuses a malformed one, naming it (contents.ts).
        ...(args.contents === undefined ? {} : { contents: args.contents as ShipmentItem[] }),
      });
    },

    async completeShipment({ sscc: input, reason }) {
      const sscc = parseSscc(input);
      const shipment = await ls.ledger.getShipment(sscc);
      if (!shipment) {
        throw new ExitError(
          Exit.NotFound,
          `shipment ${sscc} is not on the ledger: \`coldtrail shipment list --data-dir ${dataDir}\` shows them`,
        );
      }
      if (shipment.status === 'completed') {
        return { shipment, excursions: null, reason: null, alreadyCompleted: true };
      }
      // As the demo closes its trip: anchor what is stored, evaluate, complete in one transaction.
      const done = await ls.completeShipment(sscc, undefined, reason ? { reason } : {});
      return { shipment: done.shipment, excursions: done.excursions, reason: reason ?? null };
    },
  };
}
