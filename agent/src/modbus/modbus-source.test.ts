import { EventEmitter, once } from 'node:events';
import type { Sample } from '@coldtrail/core';
import {
  type ProbeHandle,
  parseScenario,
  type SerialPair,
  startProbe,
  valuesAt,
} from '@coldtrail/firmware-sim';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faultOf, serialTransports } from '../fixtures/serial-transports.js';
import { sensorSourceContract } from '../sensor-source.contract.js';
import type { SensorSource } from '../sensor-source.js';
import { openModbusSource } from './modbus-source.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
/** A known timeline: one fault of each kind, then an event whose peak is beyond the probe's range. */
const scenario = parseScenario(`
name: modbus-source-test
duration: 3h
events:
  - { name: overheat, start: 60m, duration: 20m, peak: 140 }
faults:
  - { kind: crc, at: 10m }
  - { kind: garbage, at: 20m }
  - { kind: silent, at: 30m, duration: 5m }
  - { kind: truncated, at: 40m }
  - { kind: exception, at: 50m, code: 2 }
`);

const { transports, cleanup } = serialTransports({
  what: 'frames',
  maxReadSize: 3,
  tmpPrefix: 'coldtrail-modbus-',
});
afterAll(cleanup);

const fault = faultOf('probe-1');

function expectValues(samples: Sample[], offsetMs: number) {
  const v = valuesAt(scenario, offsetMs);
  expect(samples).toEqual([
    { sensor: 'probe-1', kind: 'temperature', value: v.temperature, unit: 'CEL' },
    { sensor: 'probe-1', kind: 'humidity', value: v.humidity, unit: 'P1' },
  ]);
}

for (const transport of transports) {
  describe.skipIf(!transport.available)(`Modbus source against firmware-sim over ${transport.name}`, () => {
    let now = T0;
    const clock = { now: () => now, sleep: async () => {} };
    const at = (offsetMs: number) => {
      now = T0 + offsetMs;
    };
    let pair: SerialPair;
    let probe: ProbeHandle;
    let source: SensorSource;
    const start = async () => {
      probe = await startProbe(
        { path: pair.devicePath, unit: 1, scenario, startEpochMs: T0 },
        { binding: pair.binding, clock },
      );
    };

    beforeEach(async () => {
      pair = await transport.open();
      await start();
      source = await openModbusSource(`modbus://${pair.hostPath}?baud=9600&unit=1&timeout=300`, {
        binding: pair.binding,
      });
    });

    afterEach(async () => {
      await source.close();
      await probe.close();
      await pair.close();
    });

    it('reads temperature and humidity as the scenario has them at the shared clock time', async () => {
      for (const offset of [0, 5 * MIN, 95 * MIN, 150 * MIN]) {
        at(offset);
        expectValues(await source.read(), offset);
      }
    });

    it('records a CRC error as a fault and reads normally afterwards', async () => {
      at(10 * MIN);
      expect(await source.read()).toEqual([fault('crc', /bad CRC/)]);
      expectValues(await source.read(), 10 * MIN);
    });

    it('records garbage as a fault, resynchronises and reads normally afterwards', async () => {
      at(20 * MIN);
      expect(await source.read()).toEqual([
        fault('garbage', /not a reply to the request: unit 0 instead of 1/),
      ]);
      expectValues(await source.read(), 20 * MIN);
      expectValues(await source.read(), 20 * MIN);
    });

    it('records a silent probe as timeouts and reads normally once it answers again', async () => {
      at(30 * MIN);
      expect(await source.read()).toEqual([fault('timeout', /no reply from unit 1 within 300 ms/)]);
      at(34 * MIN);
      expect(await source.read()).toEqual([fault('timeout')]);
      at(35 * MIN);
      expectValues(await source.read(), 35 * MIN);
    });

    it('records a truncated reply as garbage and reads normally afterwards', async () => {
      at(40 * MIN);
      expect(await source.read()).toEqual([fault('garbage', /truncated reply: 5 bytes/)]);
      expectValues(await source.read(), 40 * MIN);
    });

    it('records an exception response as a modbus-exception fault', async () => {
      at(50 * MIN);
      expect(await source.read()).toEqual([
        fault('modbus-exception', /exception 0x02 \(illegal data address\)/),
      ]);
      expectValues(await source.read(), 50 * MIN);
    });

    it('turns a temperature beyond the probe range into an out-of-range fault, keeping the humidity', async () => {
      at(70 * MIN);
      const v = valuesAt(scenario, 70 * MIN);
      expect(v.temperature).toBeGreaterThan(125);
      expect(await source.read()).toEqual([
        fault('out-of-range', `temperature ${v.temperature} °C outside -55..125`),
        { sensor: 'probe-1', kind: 'humidity', value: v.humidity, unit: 'P1' },
      ]);
    });

    it('reports a vanished port as disconnected, and reads again once it is back', async () => {
      at(90 * MIN);
      expectValues(await source.read(), 90 * MIN);
      await probe.close();
      await pair.close();
      expect(await source.read()).toEqual([fault('disconnected')]);
      expect(await source.read()).toEqual([fault('disconnected', /cannot open/)]);
      pair = await transport.reopen(pair);
      await start();
      expectValues(await source.read(), 90 * MIN);
    });

    it('serialises concurrent reads, returns nothing when aborted, and rejects once closed', async () => {
      at(100 * MIN);
      const all = await Promise.all([source.read(), source.read(), source.read()]);
      for (const samples of all) expectValues(samples, 100 * MIN);
      expect(await source.read(AbortSignal.abort())).toEqual([]);
      await source.close();
      await source.close();
      await expect(source.read()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });
}

/** A probe that answers from the start and falls silent (stays connected, answers nothing) at SILENT_AT. */
const SILENT_AT = 60 * MIN;
const contractScenario = parseScenario(`
name: sensor-source-contract
duration: 3h
faults:
  - { kind: silent, at: 60m, duration: 60m }
`);

for (const transport of transports) {
  describe.skipIf(!transport.available)(`over ${transport.name}`, () => {
    sensorSourceContract('Modbus source against firmware-sim', async ({ timeoutMs }) => {
      let now = T0;
      let pair: SerialPair | undefined = await transport.open();
      // Requests the probe heard and said nothing to; `waiting()` takes them one at a time.
      let unanswered = 0;
      let taken = 0;
      const heard = new EventEmitter();
      const probe = await startProbe(
        { path: pair.devicePath, unit: 1, scenario: contractScenario, startEpochMs: T0 },
        {
          binding: pair.binding,
          clock: { now: () => now, sleep: async () => {} },
          onEvent: (e) => {
            if (e.type !== 'fault' || e.fault !== 'silent') return;
            unanswered++;
            heard.emit('request');
          },
        },
      );
      const address = `modbus://${pair.hostPath}?baud=9600&unit=1&timeout=${timeoutMs}`;
      const source = await openModbusSource(address, { binding: pair.binding });
      const close = async () => {
        await probe.close();
        await pair?.close();
        pair = undefined;
      };
      return {
        source,
        address,
        respond: () => {},
        waiting: async () => {
          while (unanswered === taken) await once(heard, 'request');
          taken++;
        },
        silence: async () => {
          now = T0 + SILENT_AT;
        },
        unplug: close,
        elapse: () => {}, // its read timeout runs on wall time
        release: close,
      };
    });
  });
}
