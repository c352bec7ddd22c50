import type { BindingInterface } from '@coldtrail/core';
import { interFrameSilenceMs } from '@coldtrail/core';
import {
  openInProcessPair,
  openPtyPair,
  type ProbeBusHandle,
  parseScenario,
  ptySupport,
  type SerialPair,
  startProbeBus,
  valuesAt,
} from '@coldtrail/firmware-sim';
import { afterEach, describe, expect, it } from 'vitest';
import type { SensorSource } from '../sensor-source.js';
import { type BusRegistry, createBusRegistry } from './bus-registry.js';
import { openModbusSource } from './modbus-source.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const cold = parseScenario(`
name: cold
duration: 1h
temperature: { mean: 3, swing: 0.5 }
faults:
  - { kind: exception, at: 20m, code: 6 }
  - { kind: silent, at: 40m, duration: 10m }
`);
const warm = parseScenario(`
name: warm
duration: 1h
temperature: { mean: 7, swing: 0.5 }
faults:
  - { kind: late, at: 10m, duration: 10m, delay: 600ms }
  - { kind: exception, at: 20m, code: 11 }
`);

/** Wraps `binding` so the device end's reads and writes are logged with wall times (`performance.now()`). */
function timedBinding(binding: BindingInterface, devicePath: string) {
  const log: { dir: 'rx' | 'tx'; at: number; bytes: number }[] = [];
  const wrapped: BindingInterface = {
    list: () => binding.list(),
    async open(options) {
      const port = await binding.open(options);
      if (options.path !== devicePath) return port;
      const read = port.read.bind(port);
      const write = port.write.bind(port);
      port.read = async (buffer, offset, length) => {
        const r = await read(buffer, offset, length);
        log.push({ dir: 'rx', at: performance.now(), bytes: r.bytesRead });
        return r;
      };
      port.write = async (buffer) => {
        log.push({ dir: 'tx', at: performance.now(), bytes: buffer.length });
        return write(buffer);
      };
      return port;
    },
  };
  return { binding: wrapped, log };
}

const reading = (scenario: typeof cold, unit: number, offset: number) => {
  const v = valuesAt(scenario, offset);
  return [
    { sensor: `probe-${unit}`, kind: 'temperature', value: v.temperature, unit: 'CEL' },
    { sensor: `probe-${unit}`, kind: 'humidity', value: v.humidity, unit: 'P1' },
  ];
};
const fault = (unit: number, code: string, message: RegExp) => [
  { sensor: `probe-${unit}`, kind: 'fault', fault: code, message: expect.stringMatching(message) },
];

describe('Modbus sources on one RS-485 bus (firmware-sim probes, in-process line)', () => {
  let pair: SerialPair;
  let bus: ProbeBusHandle;
  let buses: BusRegistry;
  let log: ReturnType<typeof timedBinding>['log'];
  let binding: BindingInterface;
  const sources: SensorSource[] = [];
  let now = T0;
  const at = (offset: number) => {
    now = T0 + offset;
  };

  async function start(options: { echo?: boolean } = {}) {
    pair = openInProcessPair({ maxReadSize: 3 });
    ({ binding, log } = timedBinding(pair.binding, pair.devicePath));
    buses = createBusRegistry();
    bus = await startProbeBus(
      {
        path: pair.devicePath,
        hostPath: pair.hostPath,
        ...options,
        probes: [
          { unit: 1, scenario: cold, startEpochMs: T0 },
          { unit: 2, scenario: warm, startEpochMs: T0 },
        ],
      },
      { binding, clock: { now: () => now, sleep: async () => {} } },
    );
  }
  const open = async (query: string) => {
    const source = await openModbusSource(`modbus://${pair.hostPath}?${query}`, { binding, buses });
    sources.push(source);
    return source;
  };

  afterEach(async () => {
    for (const s of sources.splice(0)) await s.close();
    await bus.close();
    await pair.close();
  });

  it('polls two units in turn: one request on the wire at a time, t3.5 of silence before each', async () => {
    await start();
    const [one, two] = [await open('unit=1&timeout=1000'), await open('unit=2&timeout=1000')];
    expect(buses.size).toBe(1);
    at(5 * MIN);
    for (let round = 0; round < 3; round++) {
      expect(await Promise.all([one.read(), two.read(), one.read()])).toEqual([
        reading(cold, 1, 5 * MIN),
        reading(warm, 2, 5 * MIN),
        reading(cold, 1, 5 * MIN),
      ]);
    }
    // On the probes' side: each request (8 bytes) begins only after the previous one was answered, and no
    // sooner than t3.5 after that reply was written.
    const silence = interFrameSilenceMs(9600);
    let received = 0;
    let replies = 0;
    let lastReply = Number.NEGATIVE_INFINITY;
    const gaps: number[] = [];
    for (const e of log) {
      if (e.dir === 'tx') {
        replies++;
        lastReply = e.at;
        continue;
      }
      if (e.bytes === 0) continue;
      if (received % 8 === 0) {
        expect(replies).toBe(received / 8);
        if (replies > 0) gaps.push(e.at - lastReply);
      }
      received += e.bytes;
    }
    expect(received).toBe(9 * 8);
    expect(gaps).toHaveLength(8);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(silence);
  });

  it('shares one port per path: same settings join, conflicting ones are refused, the last close frees it', async () => {
    await start();
    const one = await open('unit=1');
    await expect(open('unit=2&baud=19200')).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining(
        `the bus ${pair.hostPath} is already open by modbus://${pair.hostPath}?unit=1 with baud 9600, not baud 19200`,
      ),
    });
    await expect(open('unit=2&parity=even&echo=true')).rejects.toThrow(
      /with parity none, echo false, not parity even, echo true; every probe on one RS-485 bus must use the same/,
    );
    const two = await open('unit=2');
    await one.close();
    at(5 * MIN);
    expect(await two.read()).toEqual(reading(warm, 2, 5 * MIN));
    await two.close();
    expect(buses.size).toBe(0);
    // Free again: another baud may now open the path.
    const again = await open('unit=1&baud=19200');
    expect(buses.size).toBe(1);
    await again.close();
  });

  it('names the exception codes 06 and 0B, each from its own unit', async () => {
    await start();
    const [one, two] = [await open('unit=1'), await open('unit=2')];
    at(20 * MIN);
    expect(await one.read()).toEqual(fault(1, 'modbus-exception', /exception 0x06 \(server device busy\)$/));
    expect(await two.read()).toEqual(
      fault(2, 'modbus-exception', /exception 0x0b \(gateway target device failed to respond\)$/),
    );
  });

  it('with echo=true strips the echo; without it, an echoing line gives a clear fault each time, never a wedge', async () => {
    await start({ echo: true });
    const echoing = await open('unit=2&echo=true&timeout=1000');
    at(5 * MIN);
    expect(await echoing.read()).toEqual(reading(warm, 2, 5 * MIN));
    await echoing.close();
    const plain = await open('unit=2&timeout=1000');
    for (let i = 0; i < 2; i++) {
      expect(await plain.read()).toEqual(
        fault(
          2,
          'garbage',
          /the line echoed the request back before the reply .*: add echo=true to the address/,
        ),
      );
    }
  });

  it('after a timeout, keeps a quiet window so a late reply is not read as the next answer', async () => {
    await start();
    // warm (unit 2) answers every request 600 ms late from 10m; the source gives up after 400 ms.
    const two = await open('unit=2&timeout=400');
    at(10 * MIN);
    expect(await two.read()).toEqual(fault(2, 'timeout', /no reply from unit 2 within 400 ms/));
    // The values move on. Without the quiet window this read would be sent at ~400 ms and take the reply to
    // the first request (10m values, arriving at ~600 ms) as its own; with it, it waits until 400 ms after the
    // late reply and times out on its own (equally late) answer.
    at(15 * MIN);
    expect(valuesAt(warm, 15 * MIN)).not.toEqual(valuesAt(warm, 10 * MIN));
    expect(await two.read()).toEqual(fault(2, 'timeout', /no reply from unit 2 within 400 ms/));
    // Outside the late window (the test clock may go back) it answers in time, and is read normally.
    at(5 * MIN);
    expect(await two.read()).toEqual(reading(warm, 2, 5 * MIN));
  });

  it('without the quiet window (quiet=0) the same late reply is taken for the next answer: why the window exists', async () => {
    await start();
    const two = await open('unit=2&timeout=400&quiet=0');
    at(10 * MIN);
    expect(await two.read()).toEqual(fault(2, 'timeout', /within 400 ms/));
    at(15 * MIN);
    expect(await two.read()).toEqual(reading(warm, 2, 10 * MIN));
  });

  it('refuses a late reply from another unit as the answer (unit id checked), even with quiet=0', async () => {
    await start();
    const two = await open('unit=2&timeout=400&quiet=0');
    const one = await open('unit=1&timeout=400&quiet=0');
    at(10 * MIN);
    const late = two.read();
    expect(await late).toEqual(fault(2, 'timeout', /within 400 ms/));
    // Unit 1 is silent from 40m: the only bytes in its window are unit 2's late reply.
    at(45 * MIN);
    expect(await one.read()).toEqual(fault(1, 'garbage', /not a reply to the request: unit 2 instead of 1/));
  });
});

const pty = ptySupport();
describe.skipIf(!pty.available)(
  `Modbus sources on one bus with an echoing adapter, over a socat PTY pair${pty.reason}`,
  () => {
    it('reads both units through the echo, and names the missing option without it', async () => {
      const pair = await openPtyPair();
      const bus = await startProbeBus(
        {
          path: pair.devicePath,
          hostPath: pair.hostPath,
          echo: true,
          probes: [
            { unit: 1, scenario: cold, startEpochMs: T0 },
            { unit: 2, scenario: warm, startEpochMs: T0 },
          ],
        },
        { binding: pair.binding, clock: { now: () => T0 + 5 * MIN, sleep: async () => {} } },
      );
      const buses = createBusRegistry();
      try {
        // The bus's own device addresses carry echo=true.
        const [one, two] = await Promise.all(
          bus.devices.map((d) =>
            openModbusSource(`${d.address}&timeout=1000`, { binding: pair.binding, buses }),
          ),
        );
        expect(await Promise.all([one!.read(), two!.read(), one!.read()])).toEqual([
          reading(cold, 1, 5 * MIN),
          reading(warm, 2, 5 * MIN),
          reading(cold, 1, 5 * MIN),
        ]);
        await Promise.all([one!.close(), two!.close()]);
        const plain = await openModbusSource(`modbus://${pair.hostPath}?unit=1&timeout=1000`, {
          binding: pair.binding,
          buses,
        });
        expect(await plain.read()).toEqual(fault(1, 'garbage', /add echo=true to the address/));
        await plain.close();
      } finally {
        await bus.close();
        await pair.close();
      }
    });
  },
);
