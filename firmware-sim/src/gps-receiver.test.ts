import { EventEmitter, once } from 'node:events';
import {
  createNmeaFramer,
  isColdtrailError,
  manualClock,
  NMEA_MAX_SENTENCE,
  type NmeaFrame,
  parseNmeaSentence,
} from '@coldtrail/core';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type GpsReceiverEvent, startGpsReceiver } from './gps-receiver.js';
import { distanceKm, parseGpsReceiverConfig, positionAt } from './gps-scenario.js';
import { gpsSentences } from './gps-sentences.js';
import { openInProcessPair, type SerialPair } from './serial-pair.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
/** Two depots 9.7 km apart on a north-south line near Basel (two legs). */
const ROUTE = [
  { lat: 47.5, lon: 7.6 },
  { lat: 47.55, lon: 7.6 },
  { lat: 47.55, lon: 7.65 },
];

describe('route and sentences', () => {
  it('measures great-circle distance: one degree of latitude is 111.195 km on the mean sphere', () => {
    expect(distanceKm({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111.195, 3);
  });

  it('drives the route at its speed, turns at waypoints and stops at the last one', () => {
    const leg = distanceKm(ROUTE[0]!, ROUTE[1]!);
    const halfLegMs = (leg / 2 / 60) * 3_600_000;
    expect(positionAt(ROUTE, 60, halfLegMs)).toMatchObject({ lat: 47.525, lon: 7.6, courseDeg: 0 });
    const turned = positionAt(ROUTE, 60, 3 * halfLegMs);
    expect(turned.lat).toBe(47.55);
    expect(turned.courseDeg).toBeCloseTo(90, 0);
    expect(positionAt(ROUTE, 60, 24 * 3_600_000)).toEqual({
      lat: 47.55,
      lon: 7.65,
      speedKmh: 0,
      courseDeg: 0,
    });
  });

  it('writes RMC and GGA that parse back to the position, within 82 characters even at extremes', () => {
    for (const [lat, lon, speedKmh] of [
      [47.525, 7.6, 60],
      [-89.999999, -179.999999, 2000],
      [0.0000001, -0.0000001, 0],
      [12.9999999, 99.9999999, 1],
    ] as const) {
      const lines = gpsSentences({
        talker: 'GN',
        epochMs: T0,
        position: { lat, lon, speedKmh, courseDeg: 359.999 },
        satellites: 12,
      });
      const [gga, rmc] = lines.map((l) => parseNmeaSentence(l));
      expect(rmc).toMatchObject({
        status: 'ok',
        sentence: { type: 'RMC', talker: 'GN', fix: true, epochMs: T0 },
      });
      expect(gga).toMatchObject({ status: 'ok', sentence: { type: 'GGA', quality: 1, satellites: 12 } });
      for (const r of [rmc, gga]) {
        if (r?.status !== 'ok') throw new Error('unreachable');
        expect(r.sentence.latitude).toBeCloseTo(lat, 6);
        expect(r.sentence.longitude).toBeCloseTo(lon, 6);
      }
      if (rmc?.status === 'ok' && rmc.sentence.type === 'RMC')
        expect(rmc.sentence.speedKmh).toBeCloseTo(speedKmh, 2);
      for (const l of lines) expect(l.length + 2).toBeLessThanOrEqual(NMEA_MAX_SENTENCE);
    }
  });

  it('validates its config, naming every problem as path: message', () => {
    const attempt = (raw: unknown) => {
      try {
        parseGpsReceiverConfig(raw);
        return [];
      } catch (err) {
        if (!isColdtrailError(err)) throw err;
        return err.details?.problems as string[];
      }
    };
    expect(
      attempt({
        path: '/dev/x',
        hostPath: '/dev/y',
        talker: 'gn',
        route: [{ lat: 91, lon: 0 }],
        noFix: [{ at: 'soon' }],
        extra: 1,
      }),
    ).toEqual([
      expect.stringMatching(/^talker: must be two capital letters/),
      expect.stringMatching(/^route\[0\]\.lat: must be <= 90/),
      expect.stringMatching(/^noFix\[0\]\.at: must be a duration/),
      expect.stringMatching(/extra/),
    ]);
    expect(attempt({ path: '/dev/x', hostPath: '/dev/y', route: [] })).toEqual([
      expect.stringMatching(/^route: needs at least one waypoint/),
    ]);
    expect(
      parseGpsReceiverConfig({ path: 'a', hostPath: 'b', route: ROUTE, badChecksum: [{ at: '10m' }] }),
    ).toMatchObject({
      talker: 'GN',
      baudRate: 9600,
      speedKmh: 50,
      badChecksum: [{ atMs: 600_000, durationMs: 1000 }],
    });
  });
});

describe('startGpsReceiver on a serial line', () => {
  let pair: SerialPair;
  let host: SerialPortStream | undefined;
  afterEach(async () => {
    if (host?.isOpen) await new Promise<void>((resolve) => host?.close(() => resolve()));
    await pair.close();
  });

  /** Opens the host end and frames what arrives, so a test awaits sentences, never a sleep. */
  async function listen(p: SerialPair) {
    const port = new SerialPortStream({
      binding: p.binding,
      path: p.hostPath,
      baudRate: 9600,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    host = port;
    const framer = createNmeaFramer();
    const frames: NmeaFrame[] = [];
    const arrived = new EventEmitter();
    port.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        // A burst of noise arrives in several chunks: one run of noise is one frame here.
        const last = frames.at(-1);
        if (f.kind === 'noise' && last?.kind === 'noise') last.bytes += f.bytes;
        else frames.push(f);
      }
      arrived.emit('data');
    });
    return {
      frames,
      async until(count: number) {
        while (frames.length < count) await once(arrived, 'data');
        return frames.slice(0, count);
      },
    };
  }

  it('writes RMC + GGA on each second of its clock, with every fault window, and names its address', async () => {
    pair = openInProcessPair({ maxReadSize: 7 });
    const clock = manualClock(T0);
    const events: GpsReceiverEvent[] = [];
    const rx = await listen(pair);
    const gps = await startGpsReceiver(
      {
        path: pair.devicePath,
        hostPath: pair.hostPath,
        talker: 'GP',
        route: ROUTE,
        speedKmh: 60,
        noFix: [{ at: '2s', duration: '2s' }],
        garbage: [{ at: '4s' }],
        badChecksum: [{ at: '5s' }],
      },
      { binding: pair.binding, clock, onEvent: (e) => events.push(e) },
    );
    expect(gps).toMatchObject({
      kind: 'nmea',
      address: `nmea://${pair.hostPath}?baud=9600`,
      startEpochMs: T0,
    });
    clock.advance(999);
    expect(events).toEqual([]);
    clock.advance(6001); // seconds 1..7 after the start
    expect(events.map((e) => e.type === 'second' && [e.at - T0, e.condition])).toEqual([
      [1000, 'fix'],
      [2000, 'no-fix'],
      [3000, 'no-fix'],
      [4000, 'garbage'],
      [5000, 'bad-checksum'],
      [6000, 'fix'],
      [7000, 'fix'],
    ]);
    const frames = await rx.until(11);
    const parsed = frames.map((f) => (f.kind === 'noise' ? 'noise' : parseNmeaSentence(f.text)));
    expect(parsed[0]).toMatchObject({ status: 'ok', sentence: { type: 'GGA', talker: 'GP', fix: true } });
    expect(parsed[1]).toMatchObject({ status: 'ok', sentence: { type: 'RMC', fix: true } });
    expect(parsed.slice(2, 6)).toMatchObject([
      { sentence: { type: 'GGA', quality: 0 } },
      { sentence: { type: 'RMC', status: 'V', mode: 'N', epochMs: T0 + 2000 } },
      { sentence: { type: 'GGA', fix: false } },
      { sentence: { type: 'RMC', fix: false } },
    ]);
    expect(parsed[6]).toBe('noise');
    expect(parsed.slice(7, 9)).toMatchObject([{ status: 'crc' }, { status: 'crc' }]);
    const back = parsed[9];
    const expected = positionAt(ROUTE, 60, 6000);
    if (typeof back === 'string' || back?.status !== 'ok') throw new Error(`expected a fix, got ${back}`);
    expect(back.sentence.latitude).toBeCloseTo(expected.lat, 6);
    await gps.close();
    await gps.close();
    clock.advance(5000);
    expect(events).toHaveLength(7);
  });
});
