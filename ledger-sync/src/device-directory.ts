import { ColdtrailError, ErrorCode, isIdentifier, isPublicKeyHex } from '@coldtrail/core';
import type { DeviceDirectory, DeviceIdentity } from './ingest-port.js';
import type { DeviceEntry, LedgerClient } from './ledger-types.js';

export interface LedgerDirectory extends DeviceDirectory {
  /**
   * Puts a freshly registered or revoked device into the cache; answers its identity, or undefined for a
   * revoked device (which the directory refuses from then on).
   */
  remember(entry: DeviceEntry): DeviceIdentity | undefined;
}

const REVOKED = 'revoked';

/**
 * Device identities from the ledger (the registry every party trusts). Known devices are cached for the life
 * of the process: a registration is immutable on the ledger, so a cached key never goes stale. The one change
 * a registration can undergo is revocation, which is final: a revoked device is answered as unknown (the
 * broker refuses its CONNECT and the ingest its batches) and cached so. A revocation made through this
 * process's ledger-sync reaches the cache by `remember`; no other process writes the data dir while this one
 * holds its lock. Unknown devices are not cached, so a device registered later is found on its next batch.
 */
export function createLedgerDirectory(ledger: Pick<LedgerClient, 'getDevice'>): LedgerDirectory {
  const cache = new Map<string, DeviceIdentity | typeof REVOKED>();
  const remember = (entry: DeviceEntry): DeviceIdentity | undefined => {
    const identity = toIdentity(entry);
    if (entry.status === 'revoked') {
      cache.set(identity.device, REVOKED);
      return undefined;
    }
    cache.set(identity.device, identity);
    return identity;
  };
  return {
    remember,
    async lookup(device) {
      if (!isIdentifier(device)) return undefined;
      const cached = cache.get(device);
      if (cached) return cached === REVOKED ? undefined : cached;
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
