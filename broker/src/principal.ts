import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type Clock,
  type ConnectTokenCheck,
  checkConnectToken,
  connectTokenAdmissible,
  ErrorCode,
  isColdtrailError,
  isPublicKeyHex,
} from '@coldtrail/core';
import type { ConnectCounterStore } from './connect-counters.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { DeviceDirectory, DeviceIdentity } from './ports.js';

/**
 * A non-device principal, e.g. an internal observer (the CLI's progress view). Read-only: it may subscribe to
 * the listed topic filters (or narrower ones) and never publish. Its client ids are bound to its username the
 * way a device's are to its id (`<username>` or `<username>:<suffix>`), and a username whose part before any
 * `:` is a known device id is refused, so a service cannot take over a device's session [MQTT-3.1.4-2].
 */
export interface ServiceCredential {
  username: string;
  password: string;
  /** Topic filters this principal may subscribe to, e.g. `coldtrail/v1/+/+/acks`. */
  subscribe: readonly string[];
}

/** Who is behind an authenticated connection. */
export type Principal =
  | { kind: 'device'; identity: DeviceIdentity }
  | { kind: 'service'; username: string; subscribe: readonly string[] };

/** CONNACK return codes used for refusals (MQTT 3.1.1 §3.2.2.3, table 3.1). */
export const ConnackCode = {
  ServerUnavailable: 3,
  BadUsernameOrPassword: 4,
  NotAuthorized: 5,
} as const;
export type ConnackCode = (typeof ConnackCode)[keyof typeof ConnackCode];

/** Why a CONNECT was refused; `returnCode` is what aedes puts into the CONNACK. */
export class ConnectRefusal extends Error {
  readonly returnCode: ConnackCode;
  constructor(returnCode: ConnackCode, reason: string) {
    super(reason);
    this.name = 'ConnectRefusal';
    this.returnCode = returnCode;
  }
}

/**
 * Client ids are bound to the device: `clientId` is the device id itself, or the device id followed by `:` and
 * a suffix (for a second connection such as a diagnostic tool). `:` cannot occur in an identifier, so the
 * prefix cannot be another device's id. The connect token signs the client id too, so a token cannot be
 * replayed under another client id. Recommended for agents: clientId = device id, so a reconnect takes over
 * the stale session [MQTT-3.1.4-2].
 */
export function clientIdBelongsTo(clientId: string, device: string): boolean {
  return clientId === device || clientId.startsWith(`${device}:`);
}

export interface AuthContext {
  directory: DeviceDirectory;
  services: readonly ServiceCredential[];
  clock: Pick<Clock, 'now'>;
  maxSkewMs: number;
  /** Highest v2 connect counter accepted per device; without it a v2 token must be fresh, like v1. */
  counters?: ConnectCounterStore;
  /** Serialises the read-check-raise of one device's counter (two CONNECTs may race). */
  counterQueue?: KeyedQueue;
}

async function lookupDevice(ctx: AuthContext, device: string): Promise<DeviceIdentity | undefined> {
  try {
    return await ctx.directory.lookup(device);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ConnectRefusal(ConnackCode.ServerUnavailable, `device directory failed: ${why}`);
  }
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

/**
 * Authenticates a CONNECT. Devices: username = device id, password = connect token (core
 * `makeConnectToken`), client id bound as above. Resolves the principal or rejects with a ConnectRefusal whose
 * message is the reason to log (the client only sees the return code).
 */
export async function authenticateConnect(
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
  ctx: AuthContext,
): Promise<Principal> {
  if (username === undefined || password === undefined) {
    throw new ConnectRefusal(ConnackCode.BadUsernameOrPassword, 'username and password are required');
  }
  const secret = password.toString('utf8');
  const service = ctx.services.find((s) => s.username === username);
  if (service) {
    if (!sameSecret(secret, service.password)) {
      throw new ConnectRefusal(ConnackCode.BadUsernameOrPassword, `wrong password for service ${username}`);
    }
    if (!clientIdBelongsTo(clientId, username)) {
      throw new ConnectRefusal(
        ConnackCode.NotAuthorized,
        `client id ${JSON.stringify(clientId)} is not bound to service ${username} (use "${username}" or "${username}:<suffix>")`,
      );
    }
    // A service named as a device ("dev-1", or "dev-1:diag") could otherwise take over that device's session.
    const device = username.split(':', 1)[0] ?? username;
    if ((await lookupDevice(ctx, device)) !== undefined) {
      throw new ConnectRefusal(
        ConnackCode.NotAuthorized,
        `service username ${username} names device ${device}; give the service a username no device has`,
      );
    }
    return { kind: 'service', username, subscribe: service.subscribe };
  }
  const identity = await lookupDevice(ctx, username);
  if (!identity || identity.device !== username) {
    throw new ConnectRefusal(ConnackCode.NotAuthorized, `unknown device ${JSON.stringify(username)}`);
  }
  if (!isPublicKeyHex(identity.publicKey)) {
    throw new ConnectRefusal(
      ConnackCode.ServerUnavailable,
      `directory holds no valid public key for ${username}`,
    );
  }
  if (!clientIdBelongsTo(clientId, username)) {
    throw new ConnectRefusal(
      ConnackCode.NotAuthorized,
      `client id ${JSON.stringify(clientId)} is not bound to device ${username} (use "${username}" or "${username}:<suffix>")`,
    );
  }
  let check: ConnectTokenCheck;
  try {
    check = checkConnectToken(username, clientId, secret, identity.publicKey, ctx.clock.now(), {
      maxSkewMs: ctx.maxSkewMs,
    });
  } catch (err) {
    if (!isColdtrailError(err)) throw err;
    // A token that is not even a token is a malformed password (4); a well-formed but wrong or stale one is
    // an authorisation failure (5).
    const code =
      err.code === ErrorCode.InvalidInput ? ConnackCode.BadUsernameOrPassword : ConnackCode.NotAuthorized;
    throw new ConnectRefusal(code, `${err.message} (${err.code})`);
  }
  await admitToken(ctx, identity, check);
  return { kind: 'device', identity };
}

/**
 * Admits a signature-checked token (core `connectTokenAdmissible`): fresh, or a v2 counter above the last one
 * accepted for the device. An admitted v2 counter is stored (durably, by the store's contract) before the
 * CONNACK, so the same token is never admitted again outside its time window.
 */
async function admitToken(
  ctx: AuthContext,
  identity: DeviceIdentity,
  check: ConnectTokenCheck,
): Promise<void> {
  const stale = () =>
    new ConnectRefusal(
      ConnackCode.NotAuthorized,
      'connect token expired or clock skewed; check the device clock (FORBIDDEN)',
    );
  const { counters } = ctx;
  const counter = check.counter;
  if (counter === undefined || !counters) {
    if (!check.fresh) throw stale();
    return;
  }
  const { device, publicKey } = identity;
  const decide = async () => {
    let last: number | undefined;
    try {
      last = await counters.last(device, publicKey);
    } catch (cause) {
      throw new ConnectRefusal(
        ConnackCode.ServerUnavailable,
        `connect counter store failed: ${String(cause)}`,
      );
    }
    if (!connectTokenAdmissible(check, last)) {
      throw new ConnectRefusal(
        ConnackCode.NotAuthorized,
        `connect token is outside the time window and its counter ${counter} is not above the last one ` +
          `accepted (${last ?? 0}): a replayed token, or a device whose counter file was lost (FORBIDDEN)`,
      );
    }
    try {
      await counters.raise(device, publicKey, counter);
    } catch (cause) {
      throw new ConnectRefusal(
        ConnackCode.ServerUnavailable,
        `connect counter store failed: ${String(cause)}`,
      );
    }
  };
  await (ctx.counterQueue ? ctx.counterQueue.run(device, decide) : decide());
}
