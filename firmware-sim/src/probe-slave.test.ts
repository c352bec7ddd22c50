import {
  buildReadInputRegistersRequest,
  hasValidCrc,
  parseReadInputRegistersResponse,
  toInt16,
  withCrc,
} from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { createProbeSlave, LATE_DELAY_MS, type ProbeEvent } from './probe-slave.js';
import { parseScenario } from './scenario.js';
import { valuesAt } from './scenario-values.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const scenario = parseScenario(`
name: slave-test
duration: 3h
events:
  - { name: hot, start: 2h, duration: 20m, peak: 9.5 }
faults:
  - { kind: crc, at: 10m }
  - { kind: garbage, at: 20m }
  - { kind: silent, at: 30m, duration: 5m }
  - { kind: truncated, at: 40m }
  - { kind: exception, at: 50m, code: 4 }
  - { kind: crc, at: 100m }
`);

function setup(unit = 1) {
  const clock = { now: () => T0 };
  const events: ProbeEvent[] = [];
  const slave = createProbeSlave({ unit, scenario, startEpochMs: T0, clock, onEvent: (e) => events.push(e) });
  const at = (offsetMs: number) => {
    clock.now = () => T0 + offsetMs;
  };
  return { slave, events, at };
}

const REQUEST = buildReadInputRegistersRequest(1, 1, 2);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function registers(reply: Uint8Array | undefined) {
  const r = parseReadInputRegistersResponse(reply ?? new Uint8Array(0), 1, 2);
  if (r.status !== 'ok') throw new Error(`expected a good reply, got ${r.status}`);
  return { temperature: toInt16(r.registers[0]!) / 10, humidity: r.registers[1]! / 10 };
}

describe('simulated probe: Modbus RTU slave', () => {
  it('answers 0x04 for registers 1-2 with the scenario values at the clock time', () => {
    const { slave, at } = setup();
    at(5 * MIN);
    expect(registers(slave.receive(REQUEST)[0])).toEqual(valuesAt(scenario, 5 * MIN));
    at(2 * 60 * MIN + 1);
    expect(registers(slave.receive(REQUEST)[0]).temperature).toBeGreaterThan(8);
  });

  it('serves single registers and negative temperatures as int16', () => {
    const cold = parseScenario(
      'name: c\nduration: 1h\nlimits: { lower: -30, upper: -15 }\ntemperature: { mean: -20, swing: 1 }',
    );
    const slave = createProbeSlave({ unit: 1, scenario: cold, startEpochMs: T0, clock: { now: () => T0 } });
    const [reply] = slave.receive(buildReadInputRegistersRequest(1, 1, 1));
    const r = parseReadInputRegistersResponse(reply!, 1, 1);
    expect(r.status === 'ok' && toInt16(r.registers[0]!) / 10).toBe(valuesAt(cold, 0).temperature);
    expect(valuesAt(cold, 0).temperature).toBeLessThan(0);
    const [h] = slave.receive(buildReadInputRegistersRequest(1, 2, 1));
    expect(parseReadInputRegistersResponse(h!, 1, 1)).toMatchObject({ status: 'ok' });
  });

  it('finds frames split into single bytes and frames arriving back to back', () => {
    const { slave } = setup();
    const replies = [...REQUEST].flatMap((b) => slave.receive(Uint8Array.of(b)));
    expect(replies).toHaveLength(1);
    const two = new Uint8Array([...REQUEST, ...REQUEST]);
    expect(slave.receive(two)).toHaveLength(2);
  });

  it('ignores frames for other units, broadcasts and frames with a bad CRC, then answers the next good one', () => {
    const { slave, events } = setup();
    expect(slave.receive(buildReadInputRegistersRequest(2, 1, 2))).toEqual([]);
    expect(slave.receive(buildReadInputRegistersRequest(0, 1, 2))).toEqual([]);
    const corrupt = Uint8Array.from(REQUEST);
    corrupt[5]! ^= 0x01;
    expect(slave.receive(corrupt)).toEqual([]);
    // A truncated request followed by a good one: the slave skips the stray bytes and resynchronises.
    expect(slave.receive(REQUEST.subarray(0, 5))).toEqual([]);
    expect(slave.receive(Uint8Array.from([0xff, 0x00, 0x13, ...REQUEST]))).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['ignored', 'ignored', 'discarded', 'discarded', 'reply']);
    expect(events.filter((e) => e.type === 'ignored').map((e) => 'reason' in e && e.reason)).toEqual([
      'other-unit',
      'broadcast',
    ]);
  });

  it('answers unsupported functions, quantities and addresses with exception responses (V1.1b3 §7)', () => {
    const { slave } = setup();
    const ask = (frame: Uint8Array) => hex(slave.receive(frame)[0] ?? new Uint8Array());
    // 0x03 read holding registers: illegal function.
    expect(ask(withCrc([1, 0x03, 0, 1, 0, 2]))).toBe(hex(withCrc([1, 0x83, 0x01])));
    // Function 0x41 has no known layout: found by its CRC, answered with illegal function.
    expect(ask(withCrc([1, 0x41, 9, 9, 9]))).toBe(hex(withCrc([1, 0xc1, 0x01])));
    // Quantity 0 and 126: illegal data value; register 3 or 0: illegal data address.
    expect(ask(buildReadInputRegistersRequest(1, 1, 0))).toBe(hex(withCrc([1, 0x84, 0x03])));
    expect(ask(buildReadInputRegistersRequest(1, 1, 126))).toBe(hex(withCrc([1, 0x84, 0x03])));
    expect(ask(buildReadInputRegistersRequest(1, 2, 2))).toBe(hex(withCrc([1, 0x84, 0x02])));
    expect(ask(buildReadInputRegistersRequest(1, 0, 1))).toBe(hex(withCrc([1, 0x84, 0x02])));
  });

  it('plays the scenario faults at their times, each count fault once', () => {
    const { slave, at } = setup();
    at(10 * MIN);
    const [crc] = slave.receive(REQUEST);
    expect(crc).toHaveLength(9);
    expect(hasValidCrc(crc!)).toBe(false);
    expect(parseReadInputRegistersResponse(slave.receive(REQUEST)[0]!, 1, 2).status).toBe('ok');
    at(20 * MIN + 1);
    expect(parseReadInputRegistersResponse(slave.receive(REQUEST)[0]!, 1, 2).status).toBe('garbage');
    at(30 * MIN);
    expect(slave.receive(REQUEST)).toEqual([]);
    at(35 * MIN - 1);
    expect(slave.receive(REQUEST)).toEqual([]);
    at(35 * MIN);
    expect(slave.receive(REQUEST)).toHaveLength(1);
    at(40 * MIN);
    expect(parseReadInputRegistersResponse(slave.receive(REQUEST)[0]!, 1, 2).status).toBe('incomplete');
    at(50 * MIN);
    expect(parseReadInputRegistersResponse(slave.receive(REQUEST)[0]!, 1, 2)).toEqual({
      status: 'exception',
      code: 4,
      length: 5,
    });
    expect(parseReadInputRegistersResponse(slave.receive(REQUEST)[0]!, 1, 2).status).toBe('ok');
  });

  it('drops a count fault nobody asked for before the next fault begins', () => {
    const { slave, at } = setup();
    // Nothing was asked between 10m and 40m: the crc and garbage faults lapsed, the truncated one plays.
    at(40 * MIN);
    expect(parseReadInputRegistersResponse(slave.receive(REQUEST)[0]!, 1, 2).status).toBe('incomplete');
  });

  it('never lets a pending count fault hide part of an event', () => {
    const { slave, at } = setup();
    // The crc fault at 100m was never triggered before the event at 2h: inside the event it no longer fires.
    at(2 * 60 * MIN);
    expect(parseReadInputRegistersResponse(slave.receive(REQUEST)[0]!, 1, 2).status).toBe('ok');
  });

  it('delays the normal reply of a late fault (1 s unless the scenario says), and only that one', () => {
    const late = parseScenario(`
name: late
duration: 1h
faults:
  - { kind: late, at: 10m }
  - { kind: late, at: 20m, delay: 1500ms, count: 2 }
`);
    expect(late.faults.map((f) => f.delayMs)).toEqual([undefined, 1500]);
    let now = T0 + 10 * MIN;
    const slave = createProbeSlave({ unit: 1, scenario: late, startEpochMs: T0, clock: { now: () => now } });
    const [first] = slave.respond(REQUEST);
    expect(first?.delayMs).toBe(LATE_DELAY_MS);
    expect(registers(first?.bytes)).toEqual(valuesAt(late, 10 * MIN));
    expect(slave.respond(REQUEST).map((r) => r.delayMs)).toEqual([0]);
    now = T0 + 20 * MIN;
    expect(
      [slave.respond(REQUEST), slave.respond(REQUEST), slave.respond(REQUEST)].flat().map((r) => r.delayMs),
    ).toEqual([1500, 1500, 0]);
  });

  it('takes delay only on late faults', () => {
    expect(() =>
      parseScenario('name: x\nduration: 1h\nfaults:\n  - { kind: crc, at: 5m, delay: 2s }\n'),
    ).toThrow(/faults\[0\]\.delay: only faults of kind late/);
  });
});
