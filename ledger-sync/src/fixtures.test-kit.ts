/** Test-only helpers (excluded from the build): device keys, chained records, signed batches, temp dirs. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Batch,
  GENESIS_HASH,
  hashRecord,
  makeRecord,
  nobleSigner,
  publicKeyFromSecret,
  type ReadingRecord,
  type Sample,
  type Signer,
  signBatch,
  systemClock,
} from '@coldtrail/core';

export interface TestDevice {
  id: string;
  publicKey: string;
  signer: Signer;
}

export function testDevice(id = 'dev-1'): TestDevice {
  const secret = new Uint8Array(randomBytes(32));
  return { id, publicKey: publicKeyFromSecret(secret), signer: nobleSigner(secret) };
}

export const T0 = Date.parse('2026-01-05T06:00:00.000Z');

/**
 * A clock the test sets: ledger times that fit the readings' times (a shipment created before its first
 * reading, completed after its last), as the verifier's range and custody checks require. Sleeps are real.
 */
export function testClock(start: number) {
  let now = start;
  return {
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal),
    set(ms: number) {
      now = ms;
    },
  };
}

/** A device's record stream: call `next(n)` for the next n records (chained on from the previous call). */
export function recordStream(
  device: string,
  sample: (seq: number) => Sample = (seq) => ({
    sensor: 'probe-1',
    kind: 'temperature',
    value: 5 + (seq % 3) / 10,
    unit: 'CEL',
  }),
  periodMs = 60_000,
) {
  let seq = 0;
  let prev = GENESIS_HASH;
  const all: ReadingRecord[] = [];
  return {
    all,
    next(n: number): ReadingRecord[] {
      const out: ReadingRecord[] = [];
      for (let i = 0; i < n; i++) {
        seq++;
        const r = makeRecord(device, seq, T0 + (seq - 1) * periodMs, sample(seq), prev);
        prev = hashRecord(r);
        out.push(r);
        all.push(r);
      }
      return out;
    },
  };
}

export async function batchOf(records: readonly ReadingRecord[], signer: Signer): Promise<Batch> {
  const last = records.at(-1);
  if (!last) throw new Error('no records');
  return signBatch(records, hashRecord(last), signer);
}

export function payload(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A fresh directory under the OS temp dir; `cleanup()` removes it. */
export function tempDir(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'coldtrail-ls-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export const ORG = 'ColdtrailOrgMSP';

/** The real embedded ledger in `dir`, acting as ORG. */
export async function testLedger(dir: string) {
  const { openEmbeddedLedger, createLedgerClient } = await import('./ledger/index.js');
  const ledger = await openEmbeddedLedger({ path: dir });
  return { ledger, client: createLedgerClient(ledger.port(ORG)) };
}

export const PROFILE = {
  id: 'vaccine-2-8',
  lowerC: 2,
  upperC: 8,
  delayMinutes: 30,
  samplePeriodSeconds: 60,
} as const;

/**
 * A simulated lane: each minute m, seq 2m+1 is the temperature `tempAt(m)` (a CRC fault when null) and seq
 * 2m+2 the humidity, 30 s later.
 */
export function laneStream(device: string, tempAt: (minute: number) => number | null) {
  return recordStream(
    device,
    (seq): Sample => {
      const minute = Math.floor((seq - 1) / 2);
      if (seq % 2 === 0) return { sensor: 'probe-1', kind: 'humidity', value: 45, unit: 'P1' };
      const t = tempAt(minute);
      return t === null
        ? { sensor: 'probe-1', kind: 'fault', fault: 'crc' }
        : { sensor: 'probe-1', kind: 'temperature', value: t, unit: 'CEL' };
    },
    30_000,
  );
}
