/**
 * The behaviour every SensorSource must have (the Modbus source, and any source a test puts in its place), as
 * one suite each implementation runs, the way aedes' abstract persistence suite is run by every backend.
 * Written against the interface and its doc comment (sensor-source.ts) only; test-only (excluded from the
 * build). Import it from a test file:
 *
 *   sensorSourceContract('Modbus source over firmware-sim', async ({ timeoutMs }) => ({ source, ... }));
 */
import {
  FaultCode,
  GENESIS_HASH,
  isIdentifier,
  type MeasuredKind,
  makeRecord,
  recordProblem,
  type Sample,
  UNIT_OF,
} from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import type { SensorSource } from './sensor-source.js';

export interface SourceUnderTest {
  /** Opened from `address`, reading a device that answers (until `silence` or `unplug`). */
  source: SensorSource;
  /** The address URL the source was opened from. */
  address: string;
  /** Lets the device answer a read that waits on it; a no-op for a device that answers by itself. */
  respond(): void;
  /** Resolves once a read (called before) is waiting on the device: its request reached the device. */
  waiting(): Promise<void>;
  /** The device stays connected but answers nothing from now on. */
  silence(): Promise<void>;
  /** The device goes away from now on: unplugged, powered off, cable cut. */
  unplug(): Promise<void>;
  /** Lets `ms` pass on the clock the source times a read waiting on the device with (no-op on wall time). */
  elapse(ms: number): void;
  /** Releases what the harness opened besides the source (the suite closes the source itself). */
  release(): Promise<void>;
}

export interface SourceOptions {
  /** How long a read waits for a silent device before it ends as a fault (the source's read timeout). */
  timeoutMs: number;
}

export type MakeSource = (options: SourceOptions) => Promise<SourceUnderTest>;

/** A timeout no test waits out (the test timeout is shorter): only what the test does can end the read. */
const NEVER_MS = 60_000;
const SHORT_MS = 200;

const MEASURED = ['sensor', 'kind', 'value', 'unit'] as const;
const KEYS: Record<Sample['kind'], readonly string[]> = {
  temperature: MEASURED,
  humidity: MEASURED,
  latitude: MEASURED,
  longitude: MEASURED,
  speed: MEASURED,
  door: MEASURED,
  'clock-offset': MEASURED,
  fault: ['sensor', 'kind', 'fault', 'message'],
};
const FAULTS = new Set<string>(Object.values(FaultCode));

/** What is wrong with `s` as one of core's Sample shapes (undefined when nothing is). */
export function sampleProblem(s: unknown): string | undefined {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return 'not an object';
  const o = s as Record<string, unknown>;
  const keys = KEYS[o.kind as Sample['kind']];
  if (!keys) return `unknown kind ${String(o.kind)}`;
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length > 0) return `${o.kind} sample with fields ${extra.join(', ')}`;
  if (!isIdentifier(o.sensor)) return 'sensor must be an identifier';
  if (o.kind === 'fault') {
    if (typeof o.fault !== 'string' || !FAULTS.has(o.fault)) return `unknown fault code ${String(o.fault)}`;
    if (o.message !== undefined && typeof o.message !== 'string') return 'message must be a string';
  } else {
    if (typeof o.value !== 'number' || !Number.isFinite(o.value)) return 'value must be a finite number';
    const unit = UNIT_OF[o.kind as MeasuredKind];
    if (o.unit !== unit) return `${o.kind} must be in ${unit}, got ${String(o.unit)}`;
  }
  // And it chains into a record the ingest accepts.
  return recordProblem(makeRecord('contract-device', 1, Date.UTC(2026, 0, 1), s as Sample, GENESIS_HASH));
}

/** Every problem of `samples` as core Samples, as `#i: problem` (empty when all are well formed). */
const problems = (samples: unknown): string[] =>
  Array.isArray(samples)
    ? samples.flatMap((s, i) => {
        const p = sampleProblem(s);
        return p ? [`#${i}: ${p}`] : [];
      })
    : ['read() did not resolve with an array'];

export function sensorSourceContract(name: string, make: MakeSource): void {
  describe(`SensorSource contract: ${name}`, () => {
    /** Runs `body` against a fresh source and always closes and releases it. */
    const withSource =
      (body: (u: SourceUnderTest) => Promise<void>, options: SourceOptions = { timeoutMs: SHORT_MS }) =>
      async () => {
        const u = await make(options);
        try {
          await body(u);
        } finally {
          await u.source.close();
          await u.release();
        }
      };
    /** One polling cycle of a device that answers. */
    const answered = (u: SourceUnderTest) => {
      const read = u.source.read();
      u.respond();
      return read;
    };
    /** The samples of a read that had to end without the device: at least one, every one a well-formed fault. */
    const faultsOnly = (samples: Sample[]) => {
      expect(problems(samples)).toEqual([]);
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.filter((s) => s.kind !== 'fault')).toEqual([]);
    };

    it(
      'names the address URL it was opened from',
      withSource(async (u) => {
        expect(u.source.address).toBe(u.address);
        expect(() => new URL(u.source.address)).not.toThrow();
      }),
    );

    it(
      "answers each polling cycle with core's sample shapes (°C as CEL, %RH as P1), never with nothing",
      withSource(async (u) => {
        for (let cycle = 0; cycle < 3; cycle++) {
          const samples = await answered(u);
          expect(problems(samples)).toEqual([]);
          expect(samples.length).toBeGreaterThan(0);
        }
      }),
    );

    it(
      'turns an unplugged device into fault samples, read after read, instead of rejecting',
      withSource(async (u) => {
        await answered(u);
        await u.unplug();
        for (let cycle = 0; cycle < 3; cycle++) faultsOnly(await answered(u));
      }),
    );

    it(
      'ends a read on a silent device with fault samples once its timeout has passed',
      withSource(async (u) => {
        await u.silence();
        const read = u.source.read();
        await u.waiting();
        u.elapse(SHORT_MS);
        faultsOnly(await read);
      }),
    );

    it(
      'ends a read at once when its signal is already aborted, with well-formed samples if any',
      withSource(
        async (u) => {
          await u.silence();
          expect(problems(await u.source.read(AbortSignal.abort()))).toEqual([]);
        },
        { timeoutMs: NEVER_MS },
      ),
    );

    it(
      'ends a read waiting on a silent device when its signal aborts, long before the timeout',
      withSource(
        async (u) => {
          await u.silence();
          const stop = new AbortController();
          const read = u.source.read(stop.signal);
          await u.waiting();
          stop.abort();
          expect(problems(await read)).toEqual([]);
        },
        { timeoutMs: NEVER_MS },
      ),
    );

    it(
      'settles a read waiting on the device when the source is closed',
      withSource(
        async (u) => {
          await u.silence();
          const read = u.source.read().then(
            (samples) => ({ samples }),
            (error: unknown) => ({ error }),
          );
          await u.waiting();
          await u.source.close();
          const outcome = await read;
          if ('samples' in outcome) expect(problems(outcome.samples)).toEqual([]);
          else expect(outcome.error).toBeInstanceOf(Error);
        },
        { timeoutMs: NEVER_MS },
      ),
    );

    it(
      'rejects reads once closed, and close() is idempotent',
      withSource(async (u) => {
        await answered(u);
        await u.source.close();
        await u.source.close();
        await expect(u.source.read()).rejects.toBeInstanceOf(Error);
        await expect(u.source.read(AbortSignal.abort())).rejects.toBeInstanceOf(Error);
      }),
    );
  });
}
