import {
  buildReadInputRegistersRequest,
  manualClock,
  parseReadInputRegistersResponse,
  toInt16,
} from '@coldtrail/core';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProbeBusHandle, startProbeBus } from './probe-bus.js';
import type { ProbeEvent } from './probe-slave.js';
import { parseScenario } from './scenario.js';
import { valuesAt } from './scenario-values.js';
import { openInProcessPair, type SerialPair } from './serial-pair.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const cold = parseScenario('name: cold\nduration: 1h\ntemperature: { mean: 3, swing: 0.5 }');
const warm = parseScenario(`
name: warm
duration: 1h
temperature: { mean: 7, swing: 0.5 }
faults:
  - { kind: late, at: 10m, delay: 250ms }
`);

/** The master's end of the line, collecting whatever comes back. */
async function openHost(pair: SerialPair) {
  const port = new SerialPortStream({
    binding: pair.binding,
    path: pair.hostPath,
    baudRate: 9600,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let rx = Buffer.alloc(0);
  let waiters: (() => void)[] = [];
  port.on('data', (chunk: Buffer) => {
    rx = Buffer.concat([rx, chunk]);
    for (const w of waiters) w();
  });
  return {
    port,
    /** Resolves with the first `n` bytes received, and drops them. */
    async take(n: number): Promise<Buffer> {
      while (rx.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      waiters = [];
      const out = rx.subarray(0, n);
      rx = rx.subarray(n);
      return out;
    },
    get pending() {
      return rx.length;
    },
    send: (bytes: Uint8Array) => port.write(Buffer.from(bytes)),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

const values = (frame: Uint8Array, unit: number) => {
  const r = parseReadInputRegistersResponse(frame, unit, 2);
  if (r.status !== 'ok') throw new Error(`expected a reply from unit ${unit}, got ${r.status}`);
  return { temperature: toInt16(r.registers[0]!) / 10, humidity: r.registers[1]! / 10 };
};

describe('simulated probes on one RS-485 bus', () => {
  let pair: SerialPair;
  let bus: ProbeBusHandle | undefined;
  let host: Awaited<ReturnType<typeof openHost>> | undefined;
  afterEach(async () => {
    await host?.close();
    await bus?.close();
    await pair.close();
  });

  async function start(options: { echo?: boolean } = {}) {
    pair = openInProcessPair({ maxReadSize: 3 });
    let now = T0;
    const clock = { now: () => now, sleep: async () => {} };
    const timers = manualClock(T0);
    const events: [number, ProbeEvent][] = [];
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
      { binding: pair.binding, clock, timers, onEvent: (e, unit) => events.push([unit, e]) },
    );
    host = await openHost(pair);
    const at = (ms: number) => {
      now = T0 + ms;
    };
    return { events, timers, at, host, bus };
  }

  it('answers each request from the addressed probe only, with its own scenario; the others stay silent', async () => {
    const { events, host, at } = await start();
    at(5 * MIN);
    for (const unit of [2, 1, 2]) {
      host.send(buildReadInputRegistersRequest(unit, 1, 2));
      expect(values(await host.take(9), unit)).toEqual(valuesAt(unit === 1 ? cold : warm, 5 * MIN));
    }
    host.send(buildReadInputRegistersRequest(9, 1, 2));
    host.send(buildReadInputRegistersRequest(1, 1, 2));
    expect(values(await host.take(9), 1)).toEqual(valuesAt(cold, 5 * MIN));
    expect(host.pending).toBe(0);
    const heard = events.map(([unit, e]) => `${unit}:${e.type}${e.type === 'ignored' ? `:${e.reason}` : ''}`);
    // Every probe hears every request (in bus order 1, 2); unit 9 is nobody's.
    expect(heard).toEqual([
      '1:ignored:other-unit',
      '2:reply',
      '1:reply',
      '2:ignored:other-unit',
      '1:ignored:other-unit',
      '2:reply',
      '1:ignored:other-unit',
      '2:ignored:other-unit',
      '1:reply',
      '2:ignored:other-unit',
    ]);
  });

  it('with echo, writes the request back before the reply, as a two-wire adapter does', async () => {
    const { host, at } = await start({ echo: true });
    at(5 * MIN);
    const request = buildReadInputRegistersRequest(2, 1, 2);
    host.send(request);
    expect([...(await host.take(request.length))]).toEqual([...request]);
    expect(values(await host.take(9), 2)).toEqual(valuesAt(warm, 5 * MIN));
    // An unanswered request (unit 9) is still echoed: the adapter hears every byte it sends.
    const nobody = buildReadInputRegistersRequest(9, 1, 2);
    host.send(nobody);
    expect([...(await host.take(nobody.length))]).toEqual([...nobody]);
  });

  it('with a late fault, sends the normal reply only after the delay (wall-clock timers)', async () => {
    const { host, at, timers, events } = await start();
    at(10 * MIN);
    host.send(buildReadInputRegistersRequest(2, 1, 2));
    await expect.poll(() => events.some(([u, e]) => u === 2 && e.type === 'fault')).toBe(true);
    expect(events.find(([u]) => u === 2)?.[1]).toMatchObject({ type: 'fault', fault: 'late' });
    timers.advance(249);
    expect(host.pending).toBe(0);
    timers.advance(1);
    expect(values(await host.take(9), 2)).toEqual(valuesAt(warm, 10 * MIN));
    // One request only (count 1): the next is answered at once.
    host.send(buildReadInputRegistersRequest(2, 1, 2));
    expect(values(await host.take(9), 2)).toEqual(valuesAt(warm, 10 * MIN));
    expect(timers.pending()).toBe(0);
  });

  it('names one device per unit at the host path; closing one silences it, the last closes the port', async () => {
    const { host, bus, events } = await start({ echo: true });
    expect(bus.devices.map((d) => [d.kind, d.address])).toEqual([
      ['modbus', `modbus://${pair.hostPath}?baud=9600&unit=1&echo=true`],
      ['modbus', `modbus://${pair.hostPath}?baud=9600&unit=2&echo=true`],
    ]);
    await bus.devices[0]!.close();
    host.send(buildReadInputRegistersRequest(2, 1, 2));
    await host.take(8 + 9);
    expect(events.filter(([u]) => u === 1)).toEqual([]);
    const reopen = () => pair.binding.open({ path: pair.devicePath, baudRate: 9600 });
    await expect(reopen()).rejects.toThrow(/locked by another open/);
    await bus.devices[1]!.close();
    await bus.devices[1]!.close();
    await (await reopen()).close();
  });

  it('refuses a bus without probes, bad or repeated units, listing every problem', async () => {
    pair = openInProcessPair();
    const probes = [
      { unit: 0, scenario: cold },
      { unit: 3, scenario: cold },
      { unit: 3, scenario: warm },
    ];
    await expect(
      startProbeBus({ path: pair.devicePath, probes }, { binding: pair.binding }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(
        /probes\[0\]\.unit: must be an integer 1\.\.247[\s\S]*probes\[2\]\.unit: unit 3 is already on this bus/,
      ),
    });
    await expect(
      startProbeBus({ path: pair.devicePath, probes: [] }, { binding: pair.binding }),
    ).rejects.toThrow(/probes: name at least one probe/);
  });
});
