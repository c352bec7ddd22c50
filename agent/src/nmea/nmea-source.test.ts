import { EventEmitter, once } from 'node:events';
import { type ManualClock, manualClock, type Sample } from '@coldtrail/core';
import { type GpsReceiverHandle, positionAt, startGpsReceiver } from '@coldtrail/firmware-sim';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { faultOf, type SerialTransport, serialTransports } from '../fixtures/serial-transports.js';
import { sensorSourceContract } from '../sensor-source.contract.js';
import { type NmeaSourceEvent, openNmeaSource } from './nmea-source.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const ROUTE = [
  { lat: 47.5, lon: 7.6 },
  { lat: 47.55, lon: 7.6 },
];
const SPEED = 60;
/** The receiver's day: no fix from 10 s, garbage at 20 s, bad checksums at 30 s (offsets from T0). */
const WINDOWS = {
  noFix: [{ at: '10s', duration: '2s' }],
  garbage: [{ at: '20s' }],
  badChecksum: [{ at: '30s' }],
};

const { transports, cleanup } = serialTransports({
  what: 'sentences',
  maxReadSize: 5,
  tmpPrefix: 'coldtrail-nmea-',
});
afterAll(cleanup);

const fault = faultOf('gps');

/** The samples of the fix the receiver sends `offsetMs` after T0, seen by an agent clock `skewMs` ahead. */
function expectFix(samples: Sample[], offsetMs: number, skewMs = 0) {
  const p = positionAt(ROUTE, SPEED, offsetMs);
  expect(samples).toEqual([
    { sensor: 'gps', kind: 'latitude', value: expect.closeTo(p.lat, 6), unit: 'DD' },
    { sensor: 'gps', kind: 'longitude', value: expect.closeTo(p.lon, 6), unit: 'DD' },
    { sensor: 'gps', kind: 'speed', value: expect.closeTo(SPEED, 2), unit: 'KMH' },
    { sensor: 'gps', kind: 'clock-offset', value: skewMs === 0 ? 0 : -skewMs, unit: 'C26' },
  ]);
}

/** `p`, or a failure naming the step that never happened (so a hang says where, not just "timed out"). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** One device under test: a simulated receiver and the source reading it, on one manual clock. */
async function rig(transport: SerialTransport, startOffsetMs: number, timeoutMs = 300) {
  const clock: ManualClock = manualClock(T0 + startOffsetMs);
  let skewMs = 0;
  let pair = await transport.open();
  const events = new EventEmitter();
  const startReceiver = () =>
    startGpsReceiver(
      {
        path: pair.devicePath,
        hostPath: pair.hostPath,
        route: ROUTE,
        speedKmh: SPEED,
        startEpochMs: T0,
        ...WINDOWS,
      },
      { binding: pair.binding, clock },
    );
  let receiver: GpsReceiverHandle | undefined = await startReceiver();
  const address = `${receiver.address}&timeout=${timeoutMs}`;
  const source = await openNmeaSource(address, {
    binding: pair.binding,
    clock: { now: () => clock.now() + skewMs, sleep: (ms, signal) => clock.sleep(ms, signal) },
    onEvent: (e: NmeaSourceEvent) => events.emit(e.type, e),
  });
  return {
    clock,
    source,
    address,
    skew(ms: number) {
      skewMs = ms;
    },
    /** One polling cycle: the read waits, then the receiver's next second arrives. */
    async second(): Promise<Sample[]> {
      const read = source.read();
      clock.advance(1000);
      return read;
    },
    /** Pulls the cable and waits until the host has seen the port go (a PTY's hang-up takes wall time). */
    async unplug() {
      const closed = once(events, 'closed');
      await receiver?.close();
      receiver = undefined;
      await pair.close();
      await within(closed, 10_000, 'the source did not see the unplugged port close');
    },
    async replug() {
      pair = await transport.reopen(pair);
      receiver = await startReceiver();
    },
    opened: () => within(once(events, 'opened'), 10_000, 'the source did not open the replugged port'),
    async close() {
      await source.close();
      await receiver?.close();
      await pair.close();
    },
  };
}

for (const transport of transports) {
  describe.skipIf(!transport.available)(
    `NMEA source against the simulated receiver over ${transport.name}`,
    () => {
      let r: Awaited<ReturnType<typeof rig>>;
      afterEach(async () => r.close());

      it('reads latitude, longitude, speed and clock offset of each second the receiver sends', async () => {
        r = await rig(transport, 0);
        expectFix(await r.second(), 1000);
        expectFix(await r.second(), 2000);
        expect(r.address).toMatch(/^nmea:\/\/\/.*\?baud=9600&timeout=300$/);
      });

      it('records a wall clock that runs 90 s ahead as a clock offset of -90000 ms', async () => {
        r = await rig(transport, 0);
        r.skew(90_000);
        expectFix(await r.second(), 1000, 90_000);
      });

      it('reports no fix while the receiver has none, and the fix once it is back', async () => {
        r = await rig(transport, 9000);
        expect(await r.second()).toEqual([
          fault('no-fix', /receiver reports no fix \(GNRMC status V, mode N\)$/),
        ]);
        expect(await r.second()).toEqual([fault('no-fix')]);
        expectFix(await r.second(), 12_000);
      });

      it('reports garbage when only noise arrived within the timeout, then reads normally', async () => {
        r = await rig(transport, 19_000);
        expect(await r.second()).toEqual([fault('garbage', /64 bytes but no NMEA sentence in 300 ms/)]);
        expectFix(await r.second(), 21_000);
      });

      it('reports a crc fault when only sentences with bad checksums arrived, then reads normally', async () => {
        r = await rig(transport, 29_000);
        expect(await r.second()).toEqual([fault('crc', /^nmea:.*: 2 sentences with a bad checksum/)]);
        expectFix(await r.second(), 31_000);
      });

      it('reports a timeout when the receiver says nothing', async () => {
        r = await rig(transport, 0);
        expect(await r.source.read()).toEqual([fault('timeout', 'nothing from the receiver in 300 ms')]);
      });

      it('reports an unplugged receiver as disconnected, and reads again once it is plugged back in', async () => {
        r = await rig(transport, 0);
        expectFix(await r.second(), 1000);
        await r.unplug();
        expect(await r.second()).toEqual([fault('disconnected')]);
        expect(await r.second()).toEqual([fault('disconnected', /cannot open/)]);
        await r.replug();
        const opened = r.opened();
        const read = r.source.read();
        await opened;
        r.clock.advance(1000);
        expectFix(await read, 4000);
      });

      it('serialises concurrent reads, returns nothing when aborted, and rejects once closed', async () => {
        r = await rig(transport, 0);
        const both = [r.source.read(), r.source.read()];
        r.clock.advance(1000);
        expectFix(await both[0]!, 1000);
        r.clock.advance(1000);
        expectFix(await both[1]!, 2000);
        expect(await r.source.read(AbortSignal.abort())).toEqual([]);
        await r.source.close();
        await r.source.close();
        await expect(r.source.read()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      });
    },
  );
}

/**
 * The SensorSource contract, for a device that talks unasked. A receiver sends no reply to a request, so:
 * `respond()` lets its next second pass (it then sends GGA + RMC); `waiting()` resolves at once, since a read
 * waits on the device from the moment it is called (there is no request to reach it); `silence()` stops its
 * clock; `elapse()` is a no-op because the read timeout runs on wall time.
 */
for (const transport of transports) {
  describe.skipIf(!transport.available)(`over ${transport.name}`, () => {
    sensorSourceContract('NMEA source against the simulated GPS receiver', async ({ timeoutMs }) => {
      const r = await rig(transport, 0, timeoutMs);
      let silent = false;
      let released = false;
      return {
        source: r.source,
        address: r.address,
        respond: () => {
          if (!silent) r.clock.advance(1000);
        },
        waiting: async () => {},
        silence: async () => {
          silent = true;
        },
        unplug: () => r.unplug(),
        elapse: () => {},
        release: async () => {
          if (released) return;
          released = true;
          await r.close();
        },
      };
    });
  });
}
