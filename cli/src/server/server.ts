import { join } from 'node:path';
import { fileConnectCounters, start as startBroker } from '@coldtrail/broker';
import type { Log } from '@coldtrail/core';
import {
  type ExcursionListener,
  loadFabricConnection,
  lockDataDir,
  selectServerLedger,
  start as startLedgerSync,
} from '@coldtrail/ledger-sync';
import { AdminOp, type AdminRequest } from '../admin/admin-protocol.js';
import { startAdminServer } from '../admin/admin-server.js';
import { ledgerSyncDir } from '../data-dir.js';
import { CloseStack } from '../demo/close-stack.js';
import { custodyOrgOfServer, runCustody } from '../operator/custody-ops.js';
import { serverOrg } from '../operator/data-dir-org.js';
import { runRegisterSigner, runSetDisposition, signerOrgOfServer } from '../operator/disposition-ops.js';
import { runImportEpcis } from '../operator/epcis-import-ops.js';
import { operatorOps } from '../operator/operator-ops.js';
import { runDefineStabilityBudget } from '../operator/stability-ops.js';
import { deviceConfigs } from './device-configs.js';
import { serverLog } from './server-log.js';

/** The highest connect-token counter the broker admitted per device (data-dir layout, README). */
export const CONNECT_COUNTERS_FILE = 'connect-counters.json';

export interface ServerOptions {
  /** Absolute data dir. */
  dataDir: string;
  /** MQTT port; default the broker's (a free port; COLDTRAIL_BROKER_PORT overrides). */
  mqttPort?: number;
  /** Host to bind; default the broker's (127.0.0.1). */
  host?: string;
  /** MSP id; default the data dir's own org (data-dir-org.ts), on Fabric the connection file's mspId. */
  org?: string;
  /** The ledger: the data dir's embedded ledger (default) or a Fabric network through `fabricConnection`. */
  ledger?: 'embedded' | 'fabric';
  /** Absolute path of the Fabric connection file (ledger-sync/src/fabric/fabric-config.ts); with ledger fabric. */
  fabricConnection?: string;
}

export interface ServerHandle {
  mqttUrl: string;
  dataDir: string;
  org: string;
  /** Path of the admin socket. */
  admin: string;
  /** Stops accepting (admin and MQTT), finishes what is in flight, closes everything. Idempotent. */
  close(): Promise<void>;
}

/**
 * The server side as one process, wired as the demo wires it: ledger-sync with the embedded ledger (or a
 * Fabric network with `ledger: 'fabric'`), the aedes broker with its ingest, and the admin socket the operator's commands go through. It holds the data
 * dir's lock from before the first file is opened until after the last is closed. Close order, newest
 * first: the admin socket (requests in progress answer), the broker (stops accepting, admitted batches are
 * stored and PUBACKed), ledger-sync (anchoring queued so far), the lock.
 */
export async function startServer(
  opts: ServerOptions,
  log: (component: string) => Log = (c) => serverLog(c),
): Promise<ServerHandle> {
  const { dataDir } = opts;
  const stack = new CloseStack();
  const lock = lockDataDir(dataDir);
  stack.push('data dir lock', { close: () => lock.release() });
  try {
    let publishAlarm: ExcursionListener | undefined;
    const chosen = selectServerLedger(ledgerSyncDir(dataDir), opts.ledger, opts.fabricConnection);
    const { selection } = chosen;
    const { ledger } = selection;
    const fabricConnection = selection.ledger === 'fabric' ? selection.fabricConnection : undefined;
    const org =
      ledger === 'fabric' && opts.org === undefined && fabricConnection !== undefined
        ? loadFabricConnection(fabricConnection).mspId
        : serverOrg(dataDir, opts.org);
    const ls = stack.push(
      'ledger-sync',
      await startLedgerSync(
        {
          dataDir: ledgerSyncDir(dataDir),
          org,
          ledger,
          ...(fabricConnection === undefined ? {} : { fabricConnection }),
        },
        {
          log: log('ledger-sync'),
          // Bound once the broker runs (it starts after ledger-sync, which its ingest hook needs).
          onExcursion: (alarm) => publishAlarm?.(alarm),
        },
      ),
    );
    // The embedded ledger makes an org's identity on its first call as that org: make it now, so the org is
    // the data dir's own from the first start on and the next start defaults to it (data-dir-org.ts). On
    // Fabric this first query shows at start that the gateway peer answers and the chaincode is deployed.
    await ls.ledger.getDevice(org);
    // The ledger answered: from now on the data dir's reads follow it (ledger-selection.ts).
    chosen.record();
    const broker = stack.push(
      'broker',
      await startBroker(
        {
          ...(opts.host === undefined ? {} : { host: opts.host }),
          ...(opts.mqttPort === undefined ? {} : { port: opts.mqttPort }),
        },
        {
          directory: ls.directory,
          ingest: ls.ingest,
          log: log('broker'),
          // Durable, so a token admitted by its counter (a device whose clock is wrong) is refused when
          // replayed after a restart too (README "When the Pi's clock is wrong").
          connectCounters: fileConnectCounters(join(dataDir, CONNECT_COUNTERS_FILE)),
        },
      ),
    );
    // Closed before the broker (the stack closes newest first): alarms announced while ledger-sync drains on
    // shutdown find no broker to publish to and are dropped (the excursions are on the ledger).
    stack.push('alarm publishing', {
      close: () => {
        publishAlarm = undefined;
      },
    });
    publishAlarm = ({ event, shipment, excursion }) =>
      broker.publishDeviceAlarm(org, shipment.device, {
        v: 1,
        source: 'server',
        event,
        org,
        device: shipment.device,
        sscc: shipment.sscc,
        excursion,
      });
    const ops = operatorOps({ ls, org, dataDir, disconnect: (d) => broker.disconnectDevice(d) });
    const configs = deviceConfigs(org, (o, d, m) => broker.publishDeviceConfig(o, d, m), log('server'));
    await configs.republish(await ls.ledger.listShipments());
    let adminPath = '';
    const handle = async (request: AdminRequest): Promise<unknown> => {
      switch (request.op) {
        case AdminOp.Status:
          return { mqttUrl: broker.url, dataDir, org, admin: adminPath };
        case AdminOp.Enroll:
          return ops.enroll(request.args);
        case AdminOp.Revoke:
          return ops.revoke(request.args);
        case AdminOp.CreateShipment: {
          const shipment = await ops.createShipment(request.args);
          await configs.inTransit(shipment);
          return shipment;
        }
        case AdminOp.CompleteShipment: {
          const done = await ops.completeShipment(request.args);
          await configs.completed(done.shipment);
          return done;
        }
        case AdminOp.OfferCustody:
        case AdminOp.AcceptCustody:
        case AdminOp.RejectCustody:
        case AdminOp.WithdrawOffer:
          custodyOrgOfServer(request, org, dataDir);
          return runCustody(ls.port, request);
        case AdminOp.RegisterSigner:
          signerOrgOfServer(request.args.org, org, dataDir);
          return runRegisterSigner(ls.port, request.args);
        case AdminOp.SetDisposition:
          signerOrgOfServer(request.args.org, org, dataDir);
          return runSetDisposition(ls.port, request.args);
        case AdminOp.ImportEpcis:
          signerOrgOfServer(request.args.org, org, dataDir);
          return runImportEpcis(ls.port, request.args.document);
        case AdminOp.DefineStabilityBudget:
          signerOrgOfServer(request.args.org, org, dataDir);
          return runDefineStabilityBudget(ls.port, request.args);
        default:
          return request satisfies never;
      }
    };
    const admin = stack.push('admin socket', await startAdminServer(dataDir, handle, log('admin')));
    adminPath = admin.path;
    log('server').info('started', { mqttUrl: broker.url, dataDir, org, admin: admin.path });
    let closed: Promise<void> | undefined;
    return {
      mqttUrl: broker.url,
      dataDir,
      org,
      admin: admin.path,
      close: () =>
        (closed ??= stack.closeAll().then((failure) => {
          if (failure) throw failure;
        })),
    };
  } catch (err) {
    await stack.closeAll();
    throw err;
  }
}
