/**
 * What a DS18B20 sends and what the kernel's w1_therm driver makes of it, for the simulated 1-Wire bus: the 9
 * scratchpad bytes (Maxim DS18B20 datasheet, "Memory": temperature LSB/MSB, TH, TL, configuration, three
 * reserved bytes, CRC) and the two-line `w1_slave` text. Written apart from the agent's decoder on purpose, so
 * the tests compare two implementations of the datasheet, not one with itself.
 */

/** Bit-serial CRC as drawn in the datasheet's "CRC Generation" figure: polynomial x^8 + x^5 + x^4 + 1, LSB first. */
export function dallasCrc8(bytes: readonly number[]): number {
  let shift = 0;
  for (const byte of bytes) {
    for (let i = 0; i < 8; i++) {
      const input = ((byte >> i) & 1) ^ (shift & 1);
      shift >>= 1;
      // Feedback enters at the stage after x^8 and is XORed into the x^5 and x^4 stages (bits 3 and 2 after the shift).
      if (input) shift ^= 0x80 | 0x08 | 0x04;
    }
  }
  return shift;
}

/** A 12-bit conversion result (1/16 °C, two's complement), clamped to int16. */
export function celsiusToRaw(celsius: number): number {
  const n = Math.max(-0x8000, Math.min(0x7fff, Math.round(celsius * 16)));
  return n & 0xffff;
}

/** A scratchpad after a 12-bit conversion: TH 0x4b, TL 0x46 and config 0x7f (the factory settings), 0xff 0x0c 0x10. */
export function scratchpadFor(raw: number): number[] {
  const bytes = [raw & 0xff, (raw >> 8) & 0xff, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  return [...bytes, dallasCrc8(bytes)];
}

/**
 * The `w1_slave` text the kernel prints for received bytes: the CRC it computes over bytes 0-7 with its verdict,
 * then the bytes again with the temperature in millidegrees (integer arithmetic, as w1_therm's
 * `w1_DS18B20_convert_temp`: raw * 1000 / 16, truncated).
 */
export function w1SlaveText(bytes: readonly number[]): string {
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const crc = dallasCrc8(bytes.slice(0, 8));
  const raw = ((bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8)) & 0xffff;
  const signed = raw >= 0x8000 ? raw - 0x10000 : raw;
  const milli = Math.trunc((signed * 1000) / 16);
  return `${hex} : crc=${crc.toString(16).padStart(2, '0')} ${crc === bytes[8] ? 'YES' : 'NO'}\n${hex} t=${milli}\n`;
}
