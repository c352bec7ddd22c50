import type { EventEmitter } from 'node:events';
import {
  type AckMessage,
  Channel,
  ColdtrailError,
  createLifecycle,
  deviceTopic,
  ErrorCode,
  opening,
  parseTopic,
  systemClock,
  type TimerClock,
} from '@coldtrail/core';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { decidePublish, maySubscribe } from './acl.js';
import { createBatchGate } from './batch-gate.js';
import { type BrokerConfig, resolveBrokerConfig } from './broker-config.js';
import { stderrLog } from './broker-log.js';
import type { BrokerDeps, BrokerHandle } from './broker-types.js';
import { memoryConnectCounters } from './connect-counters.js';
import { publishDeviceAlarm } from './device-alarm.js';
import { publishDeviceConfig } from './device-config.js';
import { createKeyedQueue } from './keyed-queue.js';
import { guardPacketSize } from './packet-size-guard.js';
import { authenticateConnect, ConnackCode, ConnectRefusal, type Principal } from './principal.js';
import { createPublishTracker } from './publish-tracker.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';

/**
 * PUBLISH overhead beyond the payload: topic length prefix, the longest topic, packet id (MQTT 3.1.1 §3.3.2).
 * The socket guard allows payload + this, so it never cuts a payload the exact check below would accept.
 */
const PUBLISH_OVERHEAD = 2 + 65_535 + 2;

/** Starts the aedes broker with coldtrail's device auth, ACL and ingest hook. */
export async function start(config: BrokerConfig | undefined, deps: BrokerDeps): Promise<BrokerHandle> {
  const cfg = resolveBrokerConfig(config ?? {}, deps.env);
  const log = deps.log ?? stderrLog;
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemClock;
  const principals = new WeakMap<Client, Principal>();
  const counters = { connectsAccepted: 0, connectsRefused: 0, publishesDenied: 0, subscriptionsDenied: 0 };
  let closing = false;
  const connectCounters = deps.connectCounters ?? memoryConnectCounters();
  const counterQueue = createKeyedQueue();

  const gate = createBatchGate({ ingest: deps.ingest, log, publishAck });
  const tracker = createPublishTracker();
  const aedes = await Aedes.createBroker({
    drainTimeout: cfg.drainTimeoutMs,
    authenticate(client, username, password, done) {
      if (closing) {
        done(new ConnectRefusal(ConnackCode.ServerUnavailable, 'broker is shutting down'), null);
        return;
      }
      const ctx = {
        directory: deps.directory,
        services: deps.serviceCredentials ?? [],
        clock,
        maxSkewMs: cfg.connectTokenMaxSkewMs,
        counters: connectCounters,
        counterQueue,
      };
      authenticateConnect(client.id, username, password, ctx).then(
        (principal) => {
          principals.set(client, principal);
          counters.connectsAccepted++;
          log.info('connect-accepted', { clientId: client.id, principal: principalName(principal) });
          done(null, true);
        },
        (err: unknown) => {
          counters.connectsRefused++;
          const refusal =
            err instanceof ConnectRefusal
              ? err
              : new ConnectRefusal(ConnackCode.ServerUnavailable, `authentication failed: ${String(err)}`);
          log.warn('connect-refused', {
            clientId: client.id,
            username,
            returnCode: refusal.returnCode,
            reason: refusal.message,
          });
          done(refusal, null);
        },
      );
    },
    authorizePublish(client, packet, done) {
      const deny = (reason: string) => {
        counters.publishesDenied++;
        log.warn('publish-denied', { clientId: client?.id, topic: packet.topic, reason });
        done(new Error(reason));
      };
      const principal = client ? principals.get(client) : undefined;
      if (!client || !principal) return deny('no authenticated client (stale last will)');
      const payloadBytes = Buffer.byteLength(packet.payload);
      if (payloadBytes > cfg.maxPayloadBytes) {
        return deny(`payload of ${payloadBytes} bytes exceeds maxPayloadBytes ${cfg.maxPayloadBytes}`);
      }
      const decision = decidePublish(principal, packet.topic);
      if (!decision.allowed) return deny(decision.reason);
      // aedes authorises the last will when the connection has already closed (lib/client.js close()).
      // A will may only announce the device's status ("offline"), never inject a batch or alarm.
      if (client.closed) {
        return decision.channel === Channel.Status ? done(null) : deny('a last will may only go to status');
      }
      if (decision.channel !== Channel.Batches) return done(null);
      if (principal.kind !== 'device') return deny('not a device');
      if (closing) {
        log.info('batch-deferred', {
          clientId: client.id,
          reason: 'broker is shutting down; device resends',
        });
        return done(new Error('broker is shutting down; resend later'));
      }
      gate
        .admit(principal.identity, packet, () => client.closed)
        .then(
          () => {
            tracker.track(packet, client);
            done(null);
          },
          (err: Error) => done(err),
        );
    },
    authorizeSubscribe(client, subscription, done) {
      const principal = principals.get(client);
      if (principal && maySubscribe(principal, subscription.topic)) return done(null, subscription);
      counters.subscriptionsDenied++;
      log.warn('subscribe-denied', { clientId: client.id, topic: subscription.topic });
      // null = SUBACK 0x80 for this filter; an error would drop the whole connection (DEPENDENCIES.md).
      done(null, null);
    },
    published(packet, _client, done) {
      tracker.published(packet);
      done(null);
    },
    authorizeForward(_client, packet) {
      const parsed = parseTopic(packet.topic);
      if (parsed?.channel === Channel.Batches && !gate.mayForward(packet.payload)) return null;
      return packet;
    },
  });
  aedes.on('clientError', (client, err) =>
    log.warn('client-error', { clientId: client.id, reason: err.message }),
  );
  aedes.on('clientDisconnect', () => tracker.clientGone());
  aedes.on('connectionError', (_client, err) => log.warn('connection-error', { reason: err.message }));
  // aedes emits 'error' from its will sweeper; unhandled it would crash the process.
  const emitter: EventEmitter = aedes; // the typings omit 'error'
  emitter.on('error', (err: Error) => log.error('broker-error', { reason: err.message }));

  function publishAck(org: string, device: string, ack: AckMessage): Promise<void> {
    const packet: PublishPacket = {
      cmd: 'publish',
      topic: deviceTopic(org, device, Channel.Acks),
      // Not signed data, so plain JSON (canonical encoding is only required for what is hashed or signed).
      payload: Buffer.from(JSON.stringify(ack)),
      qos: 1,
      retain: true,
      dup: false,
    };
    return new Promise((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  const life = createLifecycle();
  let aedesClosed: Promise<void> | undefined;
  const closeAedes = () => (aedesClosed ??= new Promise<void>((resolve) => aedes.close(() => resolve())));
  life.defer('aedes', closeAedes);
  const listener: TcpListener = await opening(life, () =>
    listenTcp(
      cfg.host,
      cfg.port,
      (socket) => {
        aedes.handle(socket);
        guardPacketSize(socket, cfg.maxPayloadBytes + PUBLISH_OVERHEAD, (announced) => {
          counters.publishesDenied++;
          log.warn('packet-too-large', {
            remote: socket.remoteAddress,
            announced,
            limit: cfg.maxPayloadBytes,
          });
        });
      },
      (err) => log.error('server-error', { reason: err.message }),
    ).catch((err: unknown) => {
      const where = `${cfg.host}:${cfg.port}`;
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      throw new ColdtrailError(
        ErrorCode.Unavailable,
        inUse
          ? `MQTT port ${where} is already in use (another broker?); pick another port, or 0 for a free one`
          : `cannot listen on ${where}: ${(err as Error).message}`,
        { cause: err },
      );
    }),
  );
  const { port } = listener;
  const urlHost = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  log.info('listening', { host: cfg.host, port });

  life.defer('broker', async () => {
    closing = true;
    const stopped = listener.stopAccepting();
    // A hung ingest must not block shutdown: past the drain timeout, close anyway. Its batch got no PUBACK,
    // so the device resends it after reconnecting (as after an ingest failure, see batch-gate.ts).
    if (!(await settlesWithin(gate.idle(), cfg.drainTimeoutMs, timers))) {
      log.warn('close-drain-timeout', {
        batchesInFlight: gate.inFlight(),
        waitedMs: cfg.drainTimeoutMs,
        action: 'closing without their PUBACK; devices resend',
      });
    }
    await tracker.drained();
    await closeAedes();
    listener.destroyAll();
    await stopped;
    log.info('closed', { port });
  });
  return {
    host: cfg.host,
    port,
    url: `mqtt://${urlHost}:${port}`,
    stats: () => ({
      connectedClients: aedes.connectedClients,
      ...counters,
      batches: gate.counts(),
      batchesInFlight: gate.inFlight(),
    }),
    disconnectDevice(device) {
      let closed = 0;
      // aedes keeps connected clients by id (aedes.js `this.clients`); its typings leave the map out.
      const clients = (aedes as unknown as { clients: Record<string, Client> }).clients;
      for (const client of Object.values(clients)) {
        const principal = principals.get(client);
        if (principal?.kind !== 'device' || principal.identity.device !== device) continue;
        log.info('device-disconnected', { clientId: client.id, device, reason: 'enrolment revoked' });
        client.close();
        closed++;
      }
      return closed;
    },
    publishDeviceConfig: (org, device, message) => publishDeviceConfig(aedes, org, device, message),
    publishDeviceAlarm: (org, device, message) => publishDeviceAlarm(aedes, org, device, message),
    close: () => life.close(),
  };
}

/** True if `promise` settles within `ms`, false if it is still pending then. */
async function settlesWithin(promise: Promise<unknown>, ms: number, timers: TimerClock): Promise<boolean> {
  let timer: { cancel(): void } | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = timers.setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    timer?.cancel();
  }
}

function principalName(p: Principal): string {
  return p.kind === 'device' ? `device ${p.identity.org}/${p.identity.device}` : `service ${p.username}`;
}
