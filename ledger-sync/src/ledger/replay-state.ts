import type { KeyRead, Version } from './ledger-records.js';
import type { VersionReader } from './mvcc.js';

/** World state rebuilt in memory from the valid transactions' write sets, for verification. */
export interface ReplayedValue {
  key: string;
  value: Buffer;
  version: Version;
  txId: string;
}

export interface ReplayedWrite {
  key: string;
  value: Buffer | null;
  version: Version;
  txId: string;
}

export const hexKey = (key: string) => Buffer.from(key, 'utf8').toString('hex');

export class ReplayState implements VersionReader {
  /** By hex of the key's UTF-8 bytes, so string order is Fabric's bytewise key order. */
  readonly values = new Map<string, ReplayedValue>();
  readonly history: ReplayedWrite[] = [];

  version(key: string): Version | null {
    return this.values.get(hexKey(key))?.version ?? null;
  }

  rangeVersions(start: string, end: string): KeyRead[] {
    const lo = hexKey(start);
    const hi = end === '' ? undefined : hexKey(end);
    return [...this.values.entries()]
      .filter(([k]) => k >= lo && (hi === undefined || k < hi))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, v]) => ({ key: v.key, version: v.version }));
  }

  apply(key: string, value: Buffer | null, version: Version, txId: string): void {
    if (value === null) this.values.delete(hexKey(key));
    else this.values.set(hexKey(key), { key, value, version, txId });
    this.history.push({ key, value, version, txId });
  }

  get(key: string): ReplayedValue | undefined {
    return this.values.get(hexKey(key));
  }
}
