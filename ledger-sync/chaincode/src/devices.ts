import type { DeviceEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { conflict } from './errors.js';
import { callerMsp, emit, keys, readJson, txTime, writeJson } from './state.js';
import { hex64, identifier } from './validate.js';

/**
 * Device registration: the registering org (MSP id) owns the device and is the only org that may anchor its
 * readings. Registering again with the same key is a no-op (a client may retry after a lost answer); another
 * key or another org is refused, so a device's identity can never be swapped under existing anchors.
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
