import { describe, expect, it } from 'vitest';
import { crc8, parseW1Slave, rawToCelsius } from './ds18b20.js';

const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
/** A w1_slave text as the kernel prints it for these 9 bytes (verdict from byte 8 unless given). */
function w1Text(bytes: number[], opts: { verdict?: 'YES' | 'NO'; t?: number } = {}): string {
  const crc = crc8(bytes, 8);
  const verdict = opts.verdict ?? (crc === bytes[8] ? 'YES' : 'NO');
  const raw = (((bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8)) << 16) >> 16;
  const t = opts.t ?? Math.trunc((raw * 1000) / 16);
  return `${hex(bytes)} : crc=${crc.toString(16).padStart(2, '0')} ${verdict}\n${hex(bytes)} t=${t}\n`;
}
/** A 12-bit DS18B20 scratchpad (TH 0x4b, TL 0x46, config 0x7f, reserved ff 0c 10) holding `raw`, CRC in byte 8. */
function scratchpad(raw: number): number[] {
  const b = [raw & 0xff, (raw >> 8) & 0xff, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  return [...b, crc8(b)];
}

describe('Dallas/Maxim CRC-8', () => {
  it('matches Maxim application note 27 (ROM 02 1C B8 01 00 00 00 has CRC A2)', () => {
    expect(crc8([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00])).toBe(0xa2);
    // Over the CRC byte too the remainder is zero: how a receiver checks a whole frame.
    expect(crc8([0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xa2])).toBe(0);
  });

  it("agrees with a real kernel w1_slave line (72 01 4b 46 7f ff 0e 10 -> 57, w1_therm's crc=57)", () => {
    expect(crc8([0x72, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0e, 0x10])).toBe(0x57);
  });

  it('is zero for zeros: why an all-zero scratchpad passes the CRC check', () => {
    expect(crc8([0, 0, 0, 0, 0, 0, 0, 0])).toBe(0);
  });
});

describe('DS18B20 temperature register (Maxim DS18B20 datasheet, Table 1 "Temperature/Data Relationship")', () => {
  const table1: [number, number][] = [
    [125, 0x07d0],
    [85, 0x0550],
    [25.0625, 0x0191],
    [10.125, 0x00a2],
    [0.5, 0x0008],
    [0, 0x0000],
    [-0.5, 0xfff8],
    [-10.125, 0xff5e],
    [-25.0625, 0xfe6f],
    [-55, 0xfc90],
  ];
  it.each(table1)('%s °C is 0x%s', (celsius, raw) => {
    expect(rawToCelsius(raw)).toBe(celsius);
  });
});

describe('parseW1Slave', () => {
  it('decodes a real kernel text: 23.125 °C', () => {
    const text = '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n';
    expect(parseW1Slave(text)).toMatchObject({ status: 'ok', celsius: 23.125 });
  });

  it.each([
    [25.0625, 0x0191],
    [-10.125, 0xff5e],
    [-0.5, 0xfff8],
    [-55, 0xfc90],
    [125, 0x07d0],
  ])('decodes %s °C (kernel t= truncated to whole millidegrees)', (celsius, raw) => {
    expect(parseW1Slave(w1Text(scratchpad(raw)))).toEqual({
      status: 'ok',
      celsius,
      scratchpad: scratchpad(raw),
    });
  });

  it('takes the kernel verdict "crc=.. NO" as a crc fault', () => {
    const bytes = scratchpad(0x0191);
    bytes[8] = (bytes[8] ?? 0) ^ 0x01;
    expect(parseW1Slave(w1Text(bytes))).toMatchObject({ status: 'crc', reason: expect.stringMatching(/NO/) });
  });

  it('checks the CRC-8 itself even when the kernel says YES', () => {
    const bytes = scratchpad(0x0191);
    bytes[0] = 0x92; // one bit flipped after the CRC was computed
    expect(parseW1Slave(w1Text(bytes, { verdict: 'YES' }))).toMatchObject({
      status: 'crc',
      reason: expect.stringMatching(/kernel said YES/),
    });
  });

  it('reports 85 °C (0x0550, t=85000) as the power-on value, not a reading', () => {
    expect(parseW1Slave(w1Text(scratchpad(0x0550)))).toMatchObject({ status: 'power-on-value' });
  });

  it('refuses an all-zero scratchpad as garbage although it passes CRC-8', () => {
    const text = '00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n';
    expect(parseW1Slave(text)).toMatchObject({
      status: 'garbage',
      reason: expect.stringMatching(/all-zero/),
    });
  });

  it('reports values the DS18B20 cannot measure (126 °C, -56 °C) as out-of-range', () => {
    expect(parseW1Slave(w1Text(scratchpad(0x07e0)))).toMatchObject({ status: 'out-of-range', celsius: 126 });
    expect(parseW1Slave(w1Text(scratchpad(0xfc80)))).toMatchObject({ status: 'out-of-range', celsius: -56 });
  });

  it.each([
    ['an empty file', ''],
    ['one line only', '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n'],
    ['eight bytes', '72 01 4b 46 7f ff 0e 10 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 t=23125\n'],
    ['binary noise', '\u0000\u00ff\u0013garbage'],
    ['lines that disagree', '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n73 01 4b 46 7f ff 0e 10 57 t=23125\n'],
    ['t= that disagrees', '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=99000\n'],
    ['a third line', '72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\nx\n'],
  ])('calls %s garbage', (_name, text) => {
    expect(parseW1Slave(text).status).toBe('garbage');
  });
});
