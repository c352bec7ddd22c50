import { describe, expect, it } from 'vitest';
import { parseNmeaAddress } from './nmea-address.js';

describe('nmea: address URLs', () => {
  it('fills the defaults of a Pi GPS module', () => {
    expect(parseNmeaAddress('nmea:///dev/ttyAMA0')).toEqual({
      path: '/dev/ttyAMA0',
      baudRate: 9600,
      timeoutMs: 2500,
      sensor: 'gps',
    });
  });

  it('reads every parameter, decodes the path and accepts Windows port names', () => {
    expect(parseNmeaAddress('nmea:///tmp/my%20pty/host?baud=4800&sensor=gps-2&timeout=1500')).toEqual({
      path: '/tmp/my pty/host',
      baudRate: 4800,
      timeoutMs: 1500,
      sensor: 'gps-2',
    });
    expect(parseNmeaAddress('nmea://COM4')).toMatchObject({ path: 'COM4' });
  });

  it('lists every problem, with what to write instead', () => {
    let message = '';
    try {
      parseNmeaAddress('nmea://dev/ttyAMA0?baud=fast&timeout=0&sensor=a/b&unit=1&baud=2');
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_CONFIG' });
      message = (err as Error).message;
    }
    for (const part of [
      'write three slashes: nmea:///dev/ttyAMA0',
      'baud: given more than once',
      'unit: unknown parameter (known: baud, timeout, sensor)',
      'timeout: must be milliseconds',
      'sensor: must be 1-64 characters',
    ]) {
      expect(message).toContain(part);
    }
    expect(() => parseNmeaAddress('modbus:///dev/ttyUSB0')).toThrow(/scheme: must be nmea:/);
    expect(() => parseNmeaAddress('nmea://')).toThrow(/the serial device is missing/);
    expect(() => parseNmeaAddress('nmea:///dev/%E0')).toThrow(/malformed %-escape/);
    expect(() => parseNmeaAddress('not a url')).toThrow(/not a URL/);
  });
});
