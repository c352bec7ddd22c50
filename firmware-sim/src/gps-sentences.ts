import { KMH_PER_KNOT, nmeaChecksum, withNmeaChecksum } from '@coldtrail/core';
import type { GpsPosition } from './gps-scenario.js';

/**
 * The GGA and RMC sentences of one second, fields laid out as a u-blox M8 sends them (NMEA 0183 v4.10,
 * `u-blox 8 / M8 Receiver Description` §31.2.14 GGA and §31.2.17 RMC): five decimals of minutes, centiseconds,
 * RMC mode A with a fix, and with no fix status V / mode N and GGA quality 0 with empty position fields.
 * GGA comes first and RMC closes the second, in the order SiRF receivers use (gpsd's bu353-glonass.log).
 */
export interface GpsSecond {
  talker: string;
  /** UTC epoch ms of the fix (a whole second). */
  epochMs: number;
  /** Absent: no fix this second. */
  position: GpsPosition | undefined;
  satellites: number;
}

export function gpsSentences(s: GpsSecond): string[] {
  const d = new Date(s.epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}.00`;
  const date = `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`;
  const t = s.talker;
  const p = s.position;
  if (!p) {
    return [`${t}GGA,${time},,,,,0,00,99.99,,,,,,`, `${t}RMC,${time},V,,,,,,,${date},,,N`].map(
      withNmeaChecksum,
    );
  }
  const lat = `${angle(p.lat, 2)},${p.lat < 0 ? 'S' : 'N'}`;
  const lon = `${angle(p.lon, 3)},${p.lon < 0 ? 'W' : 'E'}`;
  const knots = (p.speedKmh / KMH_PER_KNOT).toFixed(3);
  const course = p.speedKmh > 0 ? p.courseDeg.toFixed(2) : '';
  const sats = two(s.satellites);
  return [
    `${t}GGA,${time},${lat},${lon},1,${sats},0.90,35.0,M,47.0,M,,`,
    `${t}RMC,${time},A,${lat},${lon},${knots},${course},${date},,,A`,
  ].map(withNmeaChecksum);
}

/** `sentence` with its checksum changed: what a flipped bit on the line looks like to the reader. */
export function withBadChecksum(sentence: string): string {
  const star = sentence.lastIndexOf('*');
  const wrong = nmeaChecksum(sentence.slice(1, star)) ^ 0x5a;
  return `${sentence.slice(0, star)}*${wrong.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** `ddmm.mmmmm` (degrees zero-padded to `degreeDigits`), computed in whole 1e-5 minutes so 59.999995 carries. */
function angle(value: number, degreeDigits: number): string {
  const units = Math.round(Math.abs(value) * 60 * 100_000);
  const degrees = Math.floor(units / 6_000_000);
  const rest = units - degrees * 6_000_000;
  const minutes = Math.floor(rest / 100_000);
  const fraction = rest - minutes * 100_000;
  return `${String(degrees).padStart(degreeDigits, '0')}${String(minutes).padStart(2, '0')}.${String(fraction).padStart(5, '0')}`;
}
