import { ColdtrailError, ErrorCode, isIdentifier, isPublicKeyHex } from '@coldtrail/core';
import type { DeviceDirectory, DeviceIdentity } from './ingest-port.js';
import type { DeviceEntry, LedgerClient } from './ledger-types.js';

export interface LedgerDirectory extends DeviceDirectory {
  /** Puts a freshly registered device into the cache. */
  remember(entry: DeviceEntry): DeviceIdentity;
}

/**
 * Device identities from the ledger (the registry every party trusts). Known devices are cached for the life
 * of the process: a registration is immutable on the ledger, so a cached key never goes stale. Unknown
 * devices are not cached, so a device registered later is found on its next batch.
 */
export function createLedgerDirectory(ledger: Pick<LedgerClient, 'getDevice'>): LedgerDirectory {
  const cache = new Map<string, DeviceIdentity>();
  const remember = (entry: DeviceEntry): DeviceIdentity => {
    const identity = toIdentity(entry);
    cache.set(identity.device, identity);
    return identity;
  };
  return {
    remember,
    async lookup(device) {
      if (!isIdentifier(device)) return undefined;
      const cached = cache.get(device);
      if (cached) return cached;
      const entry = await ledger.getDevice(device);
      if (!entry) return undefined;
      if (entry.id !== device) {
        throw new ColdtrailError(ErrorCode.Corrupted, `ledger answered device ${entry.id} for ${device}`);
      }
      return remember(entry);
    },
  };
}

/** Ledger answers are input from outside: a malformed entry is a ledger fault, not a device fault. */
function toIdentity(entry: DeviceEntry): DeviceIdentity {
  if (!isIdentifier(entry.id) || !isIdentifier(entry.org) || !isPublicKeyHex(entry.publicKey)) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `ledger entry of device ${String(entry.id)} is malformed (id, org or public key); check the ledger with \`coldtrail ledger verify\``,
    );
  }
  return { device: entry.id, org: entry.org, publicKey: entry.publicKey };
}
