/**
 * The DS18B20 scratchpad as the Linux w1_therm driver shows it in `/sys/bus/w1/devices/28-.../w1_slave`:
 *
 *   72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 *   72 01 4b 46 7f ff 0e 10 57 t=23125
 *
 * Line 1: the 9 scratchpad bytes, the CRC the kernel computed over bytes 0-7 and its verdict; line 2: the same
 * bytes and the temperature in millidegrees. Maxim DS18B20 datasheet (19-7487): "Memory" (scratchpad
 * bytes 0-1 temperature LSB/MSB, 2-3 TH/TL, 4 configuration, 5-7 reserved, 8 CRC), "Operation — Measuring
 * Temperature" and Table 1 (two's complement in 1/16 °C at 12-bit resolution; 85 °C at power-on), "CRC
 * Generation" (x^8 + x^5 + x^4 + 1).
 * Pure functions: no I/O.
 */

/** The value the temperature register holds after power-on reset: 85 °C (datasheet Table 1 and the memory map). */
export const POWER_ON_RAW = 0x0550;
/** The DS18B20's measuring range, -55..+125 °C (datasheet, "Features" and table 1). */
export const DS18B20_RANGE = { min: -55, max: 125 } as const;

/**
 * Dallas/Maxim CRC-8 (polynomial x^8 + x^5 + x^4 + 1, LSB first, i.e. reflected 0x8C, initial 0), as in Maxim
 * application note 27. Over all 9 scratchpad bytes it is 0 when byte 8 is the CRC of bytes 0-7.
 */
export function crc8(bytes: ArrayLike<number>, length = bytes.length): number {
  let crc = 0;
  for (let i = 0; i < length; i++) {
    crc ^= (bytes[i] ?? 0) & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8c : crc >>> 1;
  }
  return crc;
}

/** The temperature register (bytes 0-1, little-endian two's complement, 1/16 °C) in °C, as the kernel reads it. */
export function rawToCelsius(raw: number): number {
  const signed = raw & 0x8000 ? (raw & 0xffff) - 0x10000 : raw & 0xffff;
  return signed / 16;
}

export type W1SlaveResult =
  | { status: 'ok'; celsius: number; scratchpad: number[] }
  | { status: 'crc'; reason: string }
  | { status: 'garbage'; reason: string }
  | { status: 'power-on-value'; reason: string }
  | { status: 'out-of-range'; celsius: number; reason: string };

const HEX9 = '((?:[0-9a-f]{2} ){9})';
const LINE1 = new RegExp(`^${HEX9}: crc=([0-9a-f]{2}) (YES|NO)$`, 'i');
const LINE2 = new RegExp(`^${HEX9}t=(-?\\d{1,7})$`, 'i');
const hex = (b: number) => b.toString(16).padStart(2, '0');

/**
 * Checks and decodes one `w1_slave` text. Our own CRC-8 is checked besides the kernel's verdict (a verdict is
 * only as good as the driver that printed it). Outcomes, first match wins:
 * - `garbage`: not the two-line shape, the lines disagree, or `t=` disagrees with the scratchpad;
 * - `crc`: the kernel said NO, or byte 8 is not the CRC-8 of bytes 0-7;
 * - `garbage` for an all-zero scratchpad: it passes CRC-8 (the CRC of zeros is zero), but no DS18B20 can
 *   produce it, because configuration register bits 0-4 always read as 1 (datasheet, "Configuration Register"); it is what a
 *   data line stuck low reads, and taking it as 0.000 °C would be a plausible cold-chain reading that is false;
 * - `power-on-value`: the register still holds 0x0550 (85 °C), the power-on reset value: no conversion ran
 *   (typically a parasite-powered probe without a strong pull-up). A real 85 °C cannot be told apart, and is
 *   far outside any cold chain;
 * - `out-of-range`: outside -55..+125 °C, which the device cannot measure.
 */
export function parseW1Slave(text: string): W1SlaveResult {
  const lines = text.replace(/\r/g, '').replace(/\n+$/, '').split('\n');
  const l1 = LINE1.exec(lines[0]?.trim() ?? '');
  if (!l1 || lines.length > 2) return { status: 'garbage', reason: `not a w1_slave text: ${preview(text)}` };
  const bytesText = l1[1] ?? '';
  const scratchpad = bytesText
    .trim()
    .split(' ')
    .map((b) => Number.parseInt(b, 16));
  if ((l1[3] ?? '').toUpperCase() === 'NO') {
    return { status: 'crc', reason: `the kernel reports a CRC mismatch (crc=${l1[2]} NO)` };
  }
  const ours = crc8(scratchpad, 8);
  if (ours !== scratchpad[8]) {
    return {
      status: 'crc',
      reason: `CRC-8 of the scratchpad is ${hex(ours)}, byte 8 is ${hex(scratchpad[8] ?? 0)} (the kernel said YES)`,
    };
  }
  const l2 = LINE2.exec(lines[1]?.trim() ?? '');
  if (!l2) return { status: 'garbage', reason: `the t= line is missing or malformed: ${preview(text)}` };
  if ((l2[1] ?? '').toLowerCase() !== bytesText.toLowerCase()) {
    return { status: 'garbage', reason: 'the two lines show different scratchpad bytes' };
  }
  if (scratchpad.every((b) => b === 0)) {
    return {
      status: 'garbage',
      reason:
        'all-zero scratchpad (data line stuck low?): it passes CRC-8, but no DS18B20 reads its configuration as 00',
    };
  }
  const raw = (scratchpad[0] ?? 0) | ((scratchpad[1] ?? 0) << 8);
  const celsius = rawToCelsius(raw);
  // The kernel prints raw * 1000 / 16 in integer arithmetic (truncated): within 1 m°C of ours.
  if (Math.abs(Number(l2[2]) / 1000 - celsius) >= 0.001) {
    return { status: 'garbage', reason: `t=${l2[2]} disagrees with the scratchpad's ${celsius} °C` };
  }
  if (raw === POWER_ON_RAW) {
    return { status: 'power-on-value', reason: '85 °C power-on reset value (0x0550): no conversion ran' };
  }
  if (celsius < DS18B20_RANGE.min || celsius > DS18B20_RANGE.max) {
    return {
      status: 'out-of-range',
      celsius,
      reason: `${celsius} °C is outside the DS18B20's ${DS18B20_RANGE.min}..${DS18B20_RANGE.max} °C`,
    };
  }
  return { status: 'ok', celsius, scratchpad };
}

/** The start of an untrusted text, printable, for a fault message. */
function preview(text: string): string {
  const shown = JSON.stringify(text.slice(0, 60));
  return text.length > 60 ? `${shown}…` : shown;
}
