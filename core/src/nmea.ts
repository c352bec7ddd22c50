/**
 * NMEA 0183 sentences from a GPS receiver, for the agent (reader) and firmware-sim (writer). Pure: no I/O.
 *
 * Sources: NMEA 0183 v4.10 §5.2 (sentence `$` + address field `ttsss` (talker + formatter) + `,`-separated
 * fields + `*hh` checksum: XOR of every character between `$` and `*`, two hex digits), §5.3 (at most 82
 * characters including `$` and the CR LF); the RMC and GGA field lists as documented in "NMEA Revealed"
 * (E. S. Raymond, gpsd project) and u-blox's "u-blox 8 / M8 Receiver Description" §31 (NMEA protocol): RMC
 * status A valid / V warning, mode indicator (v2.3+) A autonomous, D differential, E estimated, M manual,
 * S simulator, N not valid (F, R, P in v4.x); GGA quality 0 invalid, 1 GPS, 2 DGPS, 3 PPS, 4 RTK, 5 float RTK,
 * 6 estimated, 7 manual, 8 simulation.
 */

/** Longest sentence, `$` through CR LF (§5.3). */
export const NMEA_MAX_SENTENCE = 82;
/** 1 international knot = 1852 m/h = 1.852 km/h exactly. */
export const KMH_PER_KNOT = 1.852;

/** XOR of the characters of `body` (the text between `$` and `*`). */
export function nmeaChecksum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  return sum;
}

/** `$body*HH` (no line ending): the sentence a talker sends for `body`. */
export function withNmeaChecksum(body: string): string {
  return `$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** RMC mode indicator (v2.3+); absent from older receivers. */
export type RmcMode = 'A' | 'D' | 'E' | 'F' | 'M' | 'N' | 'P' | 'R' | 'S';
const RMC_MODES = new Set<string>(['A', 'D', 'E', 'F', 'M', 'N', 'P', 'R', 'S']);
/**
 * Modes that carry a measured position. §6.3 RMC note: status is V for every mode but A and D; E (dead
 * reckoning), M (manual input) and S (simulator) are no measured fix even if a receiver still says A.
 */
const FIX_MODES = new Set<string>(['A', 'D', 'F', 'P', 'R']);
/** GGA qualities that carry a measured position (6 estimated, 7 manual, 8 simulation do not). */
const FIX_QUALITIES = new Set([1, 2, 3, 4, 5]);

export interface RmcSentence {
  type: 'RMC';
  talker: string;
  status: 'A' | 'V';
  mode: RmcMode | undefined;
  /** Status A and a mode (if given) that measures: latitude, longitude and speed are then set. */
  fix: boolean;
  latitude: number | undefined;
  longitude: number | undefined;
  speedKmh: number | undefined;
  /** Course over ground, degrees true. */
  courseDeg: number | undefined;
  /** UTC time of the fix, milliseconds since midnight. */
  timeOfDayMs: number | undefined;
  /** UTC date + time of the fix as epoch ms, when both fields are present. */
  epochMs: number | undefined;
}

export interface GgaSentence {
  type: 'GGA';
  talker: string;
  quality: number;
  fix: boolean;
  /** Satellites in use. */
  satellites: number | undefined;
  hdop: number | undefined;
  /** Antenna altitude above mean sea level, metres. */
  altitudeM: number | undefined;
  latitude: number | undefined;
  longitude: number | undefined;
  timeOfDayMs: number | undefined;
}

export type NmeaSentence = RmcSentence | GgaSentence;

export type NmeaParse =
  | { status: 'ok'; sentence: NmeaSentence }
  /** A well-formed sentence of another type (GSV, GSA, VTG, ZDA, proprietary `$P...`): not an error. */
  | { status: 'ignored'; talker: string; type: string }
  /** Shaped like a sentence, but its checksum is missing or does not match. */
  | { status: 'crc'; reason: string }
  /** Not an NMEA sentence, or an RMC/GGA whose fields are malformed. */
  | { status: 'garbage'; reason: string };

const SHAPE = /^\$([A-Z][A-Z0-9]{1,9})(,[\x20-\x7e]*)?\*([0-9A-Fa-f]{2})$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Parses one sentence, `$` through the checksum, without its line ending. */
export function parseNmeaSentence(line: string): NmeaParse {
  if (line.length + 2 > NMEA_MAX_SENTENCE)
    return { status: 'garbage', reason: `${line.length + 2} characters, more than ${NMEA_MAX_SENTENCE}` };
  if (!line.startsWith('$')) return { status: 'garbage', reason: 'does not start with $' };
  if (!PRINTABLE.test(line)) return { status: 'garbage', reason: 'contains non-printable characters' };
  const star = line.lastIndexOf('*');
  if (star < 0 || star !== line.length - 3) return { status: 'crc', reason: 'no *hh checksum' };
  const m = SHAPE.exec(line);
  if (!m) return { status: 'garbage', reason: 'not an NMEA address field and fields' };
  const body = line.slice(1, star);
  const expected = nmeaChecksum(body);
  const given = Number.parseInt(m[3]!, 16);
  if (given !== expected) {
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
    return { status: 'crc', reason: `checksum ${hex(given)}, computed ${hex(expected)}` };
  }
  const address = m[1]!;
  // Proprietary sentences: `$P` + a manufacturer code (§5.2.3), e.g. $PUBX, $PSRF, $PGRME.
  if (address.startsWith('P')) return { status: 'ignored', talker: 'P', type: address.slice(1) };
  if (address.length !== 5 || !/^[A-Z]{2}[A-Z]{3}$/.test(address))
    return { status: 'garbage', reason: `address field ${address} is not talker + sentence type` };
  const talker = address.slice(0, 2);
  const type = address.slice(2);
  const fields = body.split(',').slice(1);
  if (type === 'RMC') return parseRmc(talker, fields);
  if (type === 'GGA') return parseGga(talker, fields);
  return { status: 'ignored', talker, type };
}

class FieldError extends Error {}

/** `$--RMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,x.x,x.x,ddmmyy,x.x,a[,m[,s]]` (11 fields before v2.3). */
function parseRmc(talker: string, f: string[]): NmeaParse {
  if (f.length < 11) return { status: 'garbage', reason: `RMC with ${f.length} fields, expected 11-13` };
  try {
    const status = f[1];
    if (status !== 'A' && status !== 'V') throw new FieldError(`status "${status}" is neither A nor V`);
    const modeText = f[11] ?? '';
    if (modeText !== '' && !RMC_MODES.has(modeText)) throw new FieldError(`mode "${modeText}" unknown`);
    const mode = modeText === '' ? undefined : (modeText as RmcMode);
    const fix = status === 'A' && (mode === undefined || FIX_MODES.has(mode));
    const position = coordinates(f[2]!, f[3]!, f[4]!, f[5]!);
    const knots = decimal(f[6]!, 'speed', 0, 10_000);
    if (fix && (position === undefined || knots === undefined))
      throw new FieldError('status A without position or speed');
    const timeOfDayMs = timeOfDay(f[0]!);
    const dayMs = date(f[8]!);
    return {
      status: 'ok',
      sentence: {
        type: 'RMC',
        talker,
        status,
        mode,
        fix,
        latitude: position?.[0],
        longitude: position?.[1],
        speedKmh: knots === undefined ? undefined : round(knots * KMH_PER_KNOT, 6),
        courseDeg: decimal(f[7]!, 'course', 0, 360),
        timeOfDayMs,
        epochMs: dayMs !== undefined && timeOfDayMs !== undefined ? dayMs + timeOfDayMs : undefined,
      },
    };
  } catch (err) {
    if (err instanceof FieldError) return { status: 'garbage', reason: `RMC: ${err.message}` };
    throw err;
  }
}

/** `$--GGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,nn,x.x,x.x,M,x.x,M,x.x,xxxx`. */
function parseGga(talker: string, f: string[]): NmeaParse {
  if (f.length < 14) return { status: 'garbage', reason: `GGA with ${f.length} fields, expected 14` };
  try {
    if (!/^\d$/.test(f[5]!)) throw new FieldError(`fix quality "${f[5]}" is not a digit 0-8`);
    const quality = Number(f[5]);
    const fix = FIX_QUALITIES.has(quality);
    const position = coordinates(f[1]!, f[2]!, f[3]!, f[4]!);
    if (fix && position === undefined) throw new FieldError(`quality ${quality} without a position`);
    const sats = f[6]!;
    if (sats !== '' && !/^\d{1,2}$/.test(sats)) throw new FieldError(`satellites "${sats}" not a number`);
    return {
      status: 'ok',
      sentence: {
        type: 'GGA',
        talker,
        quality,
        fix,
        satellites: sats === '' ? undefined : Number(sats),
        hdop: decimal(f[7]!, 'HDOP', 0, 100),
        altitudeM: decimal(f[8]!, 'altitude', -100_000, 1_000_000, true),
        latitude: position?.[0],
        longitude: position?.[1],
        timeOfDayMs: timeOfDay(f[0]!),
      },
    };
  } catch (err) {
    if (err instanceof FieldError) return { status: 'garbage', reason: `GGA: ${err.message}` };
    throw err;
  }
}

/** A number field; empty is undefined (a null field, §5.2.3.4). */
function decimal(text: string, name: string, min: number, max: number, signed = false): number | undefined {
  if (text === '') return undefined;
  if (!(signed ? /^-?\d+(\.\d+)?$/ : /^\d+(\.\d+)?$/).test(text))
    throw new FieldError(`${name} "${text}" is not a number`);
  const n = Number(text);
  if (n < min || n > max) throw new FieldError(`${name} ${n} outside ${min}..${max}`);
  return n;
}

/** `ddmm.mmmm,N|S,dddmm.mmmm,E|W` as signed decimal degrees (north and east positive); all empty: none. */
function coordinates(lat: string, ns: string, lon: string, ew: string): [number, number] | undefined {
  if (lat === '' && ns === '' && lon === '' && ew === '') return undefined;
  const la = angle(lat, 2, 90, 'latitude');
  const lo = angle(lon, 3, 180, 'longitude');
  if (ns !== 'N' && ns !== 'S') throw new FieldError(`latitude hemisphere "${ns}" is neither N nor S`);
  if (ew !== 'E' && ew !== 'W') throw new FieldError(`longitude hemisphere "${ew}" is neither E nor W`);
  return [ns === 'S' ? -la : la, ew === 'W' ? -lo : lo];
}

function angle(text: string, degreeDigits: number, max: number, name: string): number {
  const m = new RegExp(`^(\\d{${degreeDigits}})(\\d{2}(?:\\.\\d+)?)$`).exec(text);
  if (!m) throw new FieldError(`${name} "${text}" is not ${'d'.repeat(degreeDigits)}mm.mmmm`);
  const degrees = Number(m[1]);
  const minutes = Number(m[2]);
  const value = degrees + minutes / 60;
  if (minutes >= 60 || value > max) throw new FieldError(`${name} "${text}" is out of range`);
  // 1e-8 degree is about a millimetre: below any receiver's resolution, and it drops binary noise.
  return round(value, 8);
}

/** `hhmmss[.sss]` as milliseconds since midnight UTC; second 60 is a leap second. */
function timeOfDay(text: string): number | undefined {
  if (text === '') return undefined;
  const m = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(text);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  const s = Number(m?.[3]);
  if (!m || h > 23 || min > 59 || s >= 61) throw new FieldError(`time "${text}" is not hhmmss.ss`);
  return Math.round(((h * 60 + min) * 60 + s) * 1000);
}

/**
 * `ddmmyy` as epoch ms of that UTC midnight. RMC carries a two-digit year; GPS time starts in 1980, so 80-99
 * are 1980-1999 and 00-79 are 2000-2079 (gpsd resolves the century the same way without a ZDA).
 */
function date(text: string): number | undefined {
  if (text === '') return undefined;
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new FieldError(`date "${text}" is not ddmmyy`);
  const [day, month, yy] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const year = yy >= 80 ? 1900 + yy : 2000 + yy;
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month - 1) throw new FieldError(`date "${text}" invalid`);
  return ms;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
