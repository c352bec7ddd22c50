import { describe, expect, it } from 'vitest';
import {
  buildExceptionResponse,
  buildReadInputRegistersRequest,
  buildReadInputRegistersResponse,
  crc16Modbus,
  describeModbusException,
  hasValidCrc,
  interFrameSilenceMs,
  parseReadInputRegistersResponse,
  toInt16,
} from './modbus-rtu.js';

const hex = (s: string) => Uint8Array.from(s.split(' ').map((b) => Number.parseInt(b, 16)));
const toHex = (b: Uint8Array) =>
  Buffer.from(b)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');

describe('CRC-16/MODBUS', () => {
  it('matches the catalogued check value (poly 0xA001 reflected, init 0xFFFF): "123456789" -> 0x4B37', () => {
    expect(crc16Modbus(new TextEncoder().encode('123456789'))).toBe(0x4b37);
  });

  it('matches frames from the Modbus literature (CRC low byte first)', () => {
    // Read 10 holding registers from unit 1: the classic example frame 01 03 00 00 00 0A C5 CD.
    expect(hasValidCrc(hex('01 03 00 00 00 0a c5 cd'))).toBe(true);
    expect(toHex(buildReadInputRegistersRequest(1, 0x0001, 2))).toBe('01 04 00 01 00 02 20 0b');
    expect(toHex(buildExceptionResponse(1, 0x04, 0x02))).toBe('01 84 02 c2 c1');
  });

  it('rejects a frame with one flipped bit or too short to hold a CRC', () => {
    const frame = buildReadInputRegistersRequest(1, 1, 2);
    frame[3]! ^= 0x01;
    expect(hasValidCrc(frame)).toBe(false);
    expect(hasValidCrc(hex('01 04 00'))).toBe(false);
  });
});

describe('0x04 response parsing', () => {
  const ok = buildReadInputRegistersResponse(7, [-12, 525]);

  it('decodes registers, with int16 temperature below zero', () => {
    expect(toHex(ok)).toBe(`07 04 04 ff f4 02 0d ${toHex(ok.subarray(7))}`);
    const r = parseReadInputRegistersResponse(ok, 7, 2);
    expect(r).toEqual({ status: 'ok', registers: [0xfff4, 525], length: 9 });
    expect(toInt16(0xfff4)).toBe(-12);
    expect(toInt16(0x7fff)).toBe(32767);
  });

  it('waits for the expected length whatever the chunking', () => {
    for (let n = 0; n < ok.length; n++) {
      expect(parseReadInputRegistersResponse(ok.subarray(0, n), 7, 2)).toEqual({ status: 'incomplete' });
    }
  });

  it('tells exceptions, CRC errors and garbage apart', () => {
    expect(parseReadInputRegistersResponse(buildExceptionResponse(7, 4, 2), 7, 2)).toEqual({
      status: 'exception',
      code: 2,
      length: 5,
    });
    const bad = Uint8Array.from(ok);
    bad[8]! ^= 0xff;
    expect(parseReadInputRegistersResponse(bad, 7, 2)).toEqual({ status: 'crc', length: 9 });
    expect(parseReadInputRegistersResponse(hex('08 04 04'), 7, 2)).toMatchObject({ status: 'garbage' });
    expect(parseReadInputRegistersResponse(hex('07 03 04'), 7, 2)).toMatchObject({ status: 'garbage' });
    expect(parseReadInputRegistersResponse(hex('07 04 06'), 7, 2)).toMatchObject({ status: 'garbage' });
  });
});

describe('exception codes (Application Protocol V1.1b3 §7)', () => {
  it('names every standard code, 05, 06, 0A and 0B included', () => {
    const names: [number, string][] = [
      [0x01, 'illegal function'],
      [0x02, 'illegal data address'],
      [0x03, 'illegal data value'],
      [0x04, 'server device failure'],
      [0x05, 'acknowledge'],
      [0x06, 'server device busy'],
      [0x08, 'memory parity error'],
      [0x0a, 'gateway path unavailable'],
      [0x0b, 'gateway target device failed to respond'],
    ];
    for (const [code, name] of names) {
      expect(describeModbusException(code)).toBe(
        `exception 0x${code.toString(16).padStart(2, '0')} (${name})`,
      );
    }
  });

  it('keeps the number of a code the spec does not define', () => {
    expect(describeModbusException(0x07)).toBe('exception 0x07 (unknown exception code 7)');
    expect(describeModbusException(0x42)).toBe('exception 0x42 (unknown exception code 66)');
  });
});

describe('inter-frame silence t3.5 (Serial Line V1.02 §2.5.1.1)', () => {
  it('is 3.5 eleven-bit characters up to 19200 baud and 1.75 ms above', () => {
    expect(interFrameSilenceMs(9600)).toBeCloseTo(4.0104, 4);
    expect(interFrameSilenceMs(19_200)).toBeCloseTo(2.0052, 4);
    expect(interFrameSilenceMs(38_400)).toBe(1.75);
    expect(interFrameSilenceMs(115_200)).toBe(1.75);
  });
});
