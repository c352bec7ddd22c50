import { describe, expect, it } from 'vitest';
import { parseModbusAddress } from './modbus-address.js';

describe('modbus: address URLs', () => {
  it('fills the defaults of an XY-MD02 class probe', () => {
    expect(parseModbusAddress('modbus:///dev/ttyUSB0')).toEqual({
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      unit: 1,
      timeoutMs: 500,
      sensor: 'probe-1',
      parity: 'none',
      echo: false,
      quietMs: 500,
    });
  });

  it('reads every parameter, decodes the path and accepts Windows port names', () => {
    expect(
      parseModbusAddress(
        'modbus:///tmp/my%20pty/host?baud=19200&unit=12&timeout=150&sensor=hold-2&parity=even',
      ),
    ).toEqual({
      path: '/tmp/my pty/host',
      baudRate: 19200,
      unit: 12,
      timeoutMs: 150,
      sensor: 'hold-2',
      parity: 'even',
      echo: false,
      quietMs: 150,
    });
    expect(parseModbusAddress('modbus://COM3?unit=3')).toMatchObject({ path: 'COM3', sensor: 'probe-3' });
  });

  it('reads echo and the quiet window after a timeout', () => {
    expect(parseModbusAddress('modbus:///dev/ttyUSB0?echo=true&quiet=0')).toMatchObject({
      echo: true,
      quietMs: 0,
    });
    expect(parseModbusAddress('modbus:///dev/ttyUSB0?echo=0&timeout=80')).toMatchObject({
      echo: false,
      quietMs: 80,
    });
    expect(() => parseModbusAddress('modbus:///dev/ttyUSB0?echo=yes&quiet=-1')).toThrow(
      /echo: must be true or false[\s\S]*quiet: must be milliseconds/,
    );
    // Names every object has are not booleans either.
    for (const text of ['constructor', 'toString', '__proto__']) {
      expect(() => parseModbusAddress(`modbus:///dev/ttyUSB0?echo=${text}`)).toThrow(
        /echo: must be true or false/,
      );
    }
  });

  it('lists every problem, with what to write instead', () => {
    let message = '';
    try {
      parseModbusAddress(
        'modbus:///dev/ttyUSB0?baud=fast&unit=248&timeout=0&sensor=a/b&parity=mark&speed=1&unit=2',
      );
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_CONFIG' });
      message = (err as Error).message;
    }
    for (const part of [
      'speed: unknown parameter (known: baud, unit, timeout, sensor, parity, echo, quiet)',
      'unit: given more than once',
      'baud: must be an integer baud rate',
      'unit: must be an integer 1..247',
      'timeout: must be milliseconds',
      'sensor: must be 1-64 characters',
      'parity: must be one of none, even, odd',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('catches two-slash paths, missing paths, other schemes and non-URLs', () => {
    expect(() => parseModbusAddress('modbus://dev/ttyUSB0')).toThrow(
      /write three slashes: modbus:\/\/\/dev\/ttyUSB0/,
    );
    expect(() => parseModbusAddress('modbus://')).toThrow(/serial device is missing/);
    expect(() => parseModbusAddress('nmea:///dev/ttyAMA0')).toThrow(/scheme: must be modbus:/);
    expect(() => parseModbusAddress('/dev/ttyUSB0')).toThrow(/not a URL/);
  });

  it('reports a malformed %-escape in the path as INVALID_CONFIG, not a bare URIError', () => {
    for (const address of ['modbus:///dev/tty%E0', 'modbus:///dev/tty%zz?unit=300']) {
      let err: unknown;
      try {
        parseModbusAddress(address);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'INVALID_CONFIG' });
      expect((err as Error).message).toContain('has a malformed %-escape; write %25 for a literal %');
    }
    // Still listed with the other problems.
    expect(() => parseModbusAddress('modbus:///dev/tty%zz?unit=300')).toThrow(/unit: must be an integer/);
  });
});
