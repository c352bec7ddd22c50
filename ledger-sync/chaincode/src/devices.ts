import type { DeviceEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { conflict, forbidden, notFound } from './errors.js';
import { callerMsp, emit, keys, readJson, txTime, writeJson } from './state.js';
import { hex64, identifier, text } from './validate.js';

/**
 * Device registration: the registering org (MSP id) owns the device and is the only org that may anchor its
 * readings. Registering again with the same key is a no-op (a client may retry after a lost answer); another
 * key or another org is refused, so a device's identity can never be swapped under existing anchors. A revoked
 * device is never registered again (its key may be compromised): a replacement gets a new device id.
 */
export async function registerDevice(
  ctx: Context,
  idArg: string,
  publicKeyArg: string,
): Promise<DeviceEntry> {
  const id = identifier(idArg, 'device id');
  const publicKey = hex64(publicKeyArg, 'publicKey (raw Ed25519, hex)');
  const org = callerMsp(ctx);
  const key = keys.device(ctx, id);
  const existing = await readJson<DeviceEntry>(ctx, key);
  if (existing) {
    if (existing.status === 'revoked') {
      conflict(
        `device ${id} was revoked at ${existing.revokedAt ?? '?'}; a revoked device stays revoked: enrol the replacement under a new device id`,
      );
    }
    if (existing.org !== org)
      conflict(`device ${id} is registered by ${existing.org}; only it owns the device`);
    if (existing.publicKey !== publicKey) {
      conflict(
        `device ${id} is already registered with a different public key; enrol a new device id instead`,
      );
    }
    return existing;
  }
  const entry: DeviceEntry = { id, org, publicKey, registeredAt: txTime(ctx).iso };
  await writeJson(ctx, key, entry);
  emit(ctx, 'DeviceRegistered', entry);
  return entry;
}

export async function getDevice(ctx: Context, idArg: string): Promise<DeviceEntry | undefined> {
  return readJson<DeviceEntry>(ctx, keys.device(ctx, identifier(idArg, 'device id')));
}

/**
 * Revokes a device (a lost, stolen or retired box, or a leaked key): only the org that owns it may, the entry
 * keeps its registration and gains `status: revoked`, `revokedAt` and the reason. Revoked stays revoked: a
 * second revocation changes nothing and answers the first (a client may retry after a lost answer). Readings
 * anchored before stay valid; the broker refuses the device from now on.
 */
export async function revokeDevice(ctx: Context, idArg: string, reasonArg: string): Promise<DeviceEntry> {
  const id = identifier(idArg, 'device id');
  const reason = reasonArg === '' ? null : text(reasonArg, 'reason');
  const org = callerMsp(ctx);
  const key = keys.device(ctx, id);
  const existing = await readJson<DeviceEntry>(ctx, key);
  if (!existing) notFound(`device ${id} is not registered; nothing to revoke`);
  if (existing.org !== org)
    forbidden(`device ${id} is owned by ${existing.org}; only it may revoke the device`);
  if (existing.status === 'revoked') return existing;
  const entry: DeviceEntry = { ...existing, status: 'revoked', revokedAt: txTime(ctx).iso, reason };
  await writeJson(ctx, key, entry);
  emit(ctx, 'DeviceRevoked', entry);
  return entry;
}
