import { describe, expect, it } from 'vitest';
import {
  KMH_PER_KNOT,
  NMEA_MAX_SENTENCE,
  type NmeaParse,
  nmeaChecksum,
  parseNmeaSentence,
  withNmeaChecksum,
} from './nmea.js';
import { createNmeaFramer, type NmeaFrame } from './nmea-framer.js';

/**
 * Sentences captured from real receivers, as shipped in the gpsd project's regression logs (BSD licence;
 * github.com/ntpsec/gpsd, test/daemon/): bu353-glonass.log (GlobalSat BU-353 GLONASS, SiRF III, 2014),
 * beidou-bd.log (SiRF TriG with BeiDou, 2015), garmin48.log (Garmin 48, NMEA 2.0 without mode, 2005),
 * garmin17n.log (Garmin 17N, differential fix), hab-gpspi.log (HAB-GPSPI Raspberry Pi board, u-blox, 2015).
 */
const REAL = {
  bu353Rmc: '$GNRMC,081411.000,A,5541.1955,N,03737.2872,E,0.60,301.29,260514,,,A*74',
  bu353Gga: '$GPGGA,081412.000,5541.1956,N,03737.2877,E,1,5,4.87,66.2,M,14.5,M,,*6A',
  bu353RmcNoFix: '$GNRMC,081420.000,V,,,,,0.00,340.16,260514,,,N*58',
  bu353GgaNoFix: '$GPGGA,081420.000,,,,,0,0,,,M,,M,,*47',
  bu353Zda: '$GPZDA,081411.000,26,05,2014,,*5D',
  beidouGga: '$GNGGA,074155.799,3114.8770,N,12135.2463,E,1,05,1.3,156.9,M,8.3,M,,0000,4.9*77',
  beidouGsa: '$BDGSA,A,3,02,03,04,,,,,,,,,,5.1,1.3,4.9,3.3*2F',
  beidouRmcNoFix: '$GNRMC,074150.799,V,,,,,,,250215,,,N*52',
  sirfProprietary: '$PSRF151,3,1833,28692,0x7EFFFFFF*15',
  garmin48Rmc: '$GPRMC,225308,A,4527.458,S,16709.165,E,000.0,094.5,060601,024.1,E*6D',
  /** garmin48.log carries this line with its checksum cut to one digit, then the same sentence intact. */
  garmin48Cut: '$GPGSV,3,1,11,01,78,221,47,03,09,042,00,04,05,242,00,06,04,149,00*7',
  garmin17nRmc: '$GPRMC,093802,A,5213.1439,N,02100.6511,E,000.0,226.0,160305,004.2,E,D*15',
  garmin17nGga: '$GPGGA,093802,5213.1439,N,02100.6511,E,2,10,0.9,137.2,M,36.2,M,,*43',
  piRmc: '$GNRMC,092835.00,A,4804.14539,N,01621.54005,E,0.250,,210615,,,A*6F',
};

const ok = (r: NmeaParse) => {
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.sentence;
};

describe('NMEA checksum (§5.2.1: XOR of the characters between $ and *)', () => {
  it('matches every real sentence above and writes upper-case hex', () => {
    for (const line of Object.values(REAL)) {
      if (line === REAL.garmin48Cut) continue;
      const [body, hh] = line.slice(1).split('*') as [string, string];
      expect(nmeaChecksum(body)).toBe(Number.parseInt(hh, 16));
      expect(withNmeaChecksum(body)).toBe(line);
    }
  });

  it('refuses a flipped character, a cut checksum and a missing one', () => {
    expect(parseNmeaSentence(REAL.bu353Rmc.replace('5541', '5542'))).toEqual({
      status: 'crc',
      reason: 'checksum 74, computed 77',
    });
    expect(parseNmeaSentence(REAL.garmin48Cut)).toEqual({ status: 'crc', reason: 'no *hh checksum' });
    expect(parseNmeaSentence(REAL.bu353Rmc.slice(0, -3)).status).toBe('crc');
    // Lower-case hex digits are read as well (some receivers send them).
    const lower = REAL.bu353Zda.replace('*5D', '*5d');
    expect(parseNmeaSentence(lower)).toEqual({ status: 'ignored', talker: 'GP', type: 'ZDA' });
  });
});

describe('RMC', () => {
  it('reads a GLONASS+GPS (GN) fix: signed degrees, knots as km/h, UTC date and time as epoch ms', () => {
    expect(ok(parseNmeaSentence(REAL.bu353Rmc))).toEqual({
      type: 'RMC',
      talker: 'GN',
      status: 'A',
      mode: 'A',
      fix: true,
      latitude: 55.68659167, // 55° 41.1955'
      longitude: 37.62145333, // 37° 37.2872'
      speedKmh: 0.6 * KMH_PER_KNOT,
      courseDeg: 301.29,
      timeOfDayMs: ((8 * 60 + 14) * 60 + 11) * 1000,
      epochMs: Date.UTC(2014, 4, 26, 8, 14, 11),
    });
  });

  it('reads an NMEA 2.0 sentence without mode indicator, south of the equator', () => {
    const s = ok(parseNmeaSentence(REAL.garmin48Rmc));
    expect(s).toMatchObject({ talker: 'GP', mode: undefined, fix: true, speedKmh: 0, courseDeg: 94.5 });
    expect(s.latitude).toBe(-45.45763333);
    expect(s.longitude).toBe(167.15275);
    expect(s.type === 'RMC' && s.epochMs).toBe(Date.UTC(2001, 5, 6, 22, 53, 8));
  });

  it('reads a differential fix, an empty course and centiseconds (u-blox on a Raspberry Pi board)', () => {
    expect(ok(parseNmeaSentence(REAL.garmin17nRmc))).toMatchObject({ mode: 'D', fix: true });
    const pi = ok(parseNmeaSentence(REAL.piRmc));
    expect(pi).toMatchObject({ talker: 'GN', fix: true, courseDeg: undefined, speedKmh: 0.463 });
    expect(pi.type === 'RMC' && pi.epochMs).toBe(Date.UTC(2015, 5, 21, 9, 28, 35));
  });

  it('reports status V / mode N as no fix, with the time the receiver still keeps', () => {
    expect(ok(parseNmeaSentence(REAL.bu353RmcNoFix))).toMatchObject({
      status: 'V',
      mode: 'N',
      fix: false,
      latitude: undefined,
      longitude: undefined,
      epochMs: Date.UTC(2014, 4, 26, 8, 14, 20),
    });
    expect(ok(parseNmeaSentence(REAL.beidouRmcNoFix))).toMatchObject({ fix: false, speedKmh: undefined });
  });

  it('takes west and south as negative, and an estimated (dead-reckoning) mode as no measured fix', () => {
    const west = withNmeaChecksum('GPRMC,123519,A,4807.038,S,01131.000,W,022.4,084.4,230394,003.1,W,A');
    expect(ok(parseNmeaSentence(west))).toMatchObject({ latitude: -48.1173, longitude: -11.51666667 });
    const estimated = withNmeaChecksum('GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,,,E');
    expect(ok(parseNmeaSentence(estimated))).toMatchObject({ status: 'A', mode: 'E', fix: false });
  });

  it('reads two-digit years 80-99 as 19xx (GPS time starts in 1980) and 00-79 as 20xx', () => {
    const at = (date: string) => {
      const s = ok(parseNmeaSentence(withNmeaChecksum(`GPRMC,000000,V,,,,,,,${date},,,N`)));
      return s.type === 'RMC' ? new Date(s.epochMs ?? 0).toISOString() : '';
    };
    expect(at('060180')).toBe('1980-01-06T00:00:00.000Z');
    expect(at('311299')).toBe('1999-12-31T00:00:00.000Z');
    expect(at('010179')).toBe('2079-01-01T00:00:00.000Z');
  });

  it.each([
    ['GPRMC,123519,X,4807.038,N,01131.000,E,022.4,084.4,230394,,,A', /status "X"/],
    ['GPRMC,123519,A,4860.000,N,01131.000,E,022.4,084.4,230394,,,A', /latitude "4860.000" is out of range/],
    ['GPRMC,123519,A,9100.000,N,01131.000,E,022.4,084.4,230394,,,A', /latitude/],
    ['GPRMC,123519,A,4807.038,N,18100.000,E,022.4,084.4,230394,,,A', /longitude/],
    ['GPRMC,123519,A,4807.038,Q,01131.000,E,022.4,084.4,230394,,,A', /hemisphere "Q"/],
    ['GPRMC,123519,A,4807.038,N,01131.000,E,-22.4,084.4,230394,,,A', /speed/],
    ['GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,310294,,,A', /date "310294" invalid/],
    ['GPRMC,253519,A,4807.038,N,01131.000,E,022.4,084.4,230394,,,A', /time "253519"/],
    ['GPRMC,123519,A,,,,,,,230394,,,A', /status A without position/],
    ['GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,,,Z', /mode "Z"/],
    ['GPRMC,123519,A,4807.038,N', /RMC with 4 fields/],
  ])('refuses a malformed RMC as garbage: %s', (body, reason) => {
    const r = parseNmeaSentence(withNmeaChecksum(body));
    expect(r.status).toBe('garbage');
    expect(r.status === 'garbage' && r.reason).toMatch(reason);
  });
});

describe('GGA', () => {
  it('reads fix quality, satellites, HDOP and altitude; any talker', () => {
    expect(ok(parseNmeaSentence(REAL.bu353Gga))).toEqual({
      type: 'GGA',
      talker: 'GP',
      quality: 1,
      fix: true,
      satellites: 5,
      hdop: 4.87,
      altitudeM: 66.2,
      latitude: 55.68659333,
      longitude: 37.62146167,
      timeOfDayMs: ((8 * 60 + 14) * 60 + 12) * 1000,
    });
    expect(ok(parseNmeaSentence(REAL.garmin17nGga))).toMatchObject({ quality: 2, fix: true, satellites: 10 });
    // 15 fields: this receiver appends a non-standard one; the standard 14 are read.
    expect(ok(parseNmeaSentence(REAL.beidouGga))).toMatchObject({ talker: 'GN', quality: 1, satellites: 5 });
  });

  it('reports quality 0 as no fix', () => {
    expect(ok(parseNmeaSentence(REAL.bu353GgaNoFix))).toMatchObject({
      quality: 0,
      fix: false,
      satellites: 0,
      latitude: undefined,
    });
  });

  it('refuses a fix without position, a quality that is no digit, too few fields', () => {
    for (const body of [
      'GPGGA,081420.000,,,,,1,05,,,M,,M,,',
      'GPGGA,081420.000,,,,,x,05,,,M,,M,,',
      'GPGGA,081420.000,,,,,0',
    ]) {
      expect(parseNmeaSentence(withNmeaChecksum(body)).status).toBe('garbage');
    }
  });
});

describe('other sentences and hostile lines', () => {
  it('ignores other sentence types and proprietary sentences of any talker', () => {
    expect(parseNmeaSentence(REAL.beidouGsa)).toEqual({ status: 'ignored', talker: 'BD', type: 'GSA' });
    expect(parseNmeaSentence(REAL.sirfProprietary)).toEqual({
      status: 'ignored',
      talker: 'P',
      type: 'SRF151',
    });
  });

  it('refuses what is no sentence, non-printable bytes and lines over 82 characters', () => {
    expect(parseNmeaSentence('hello')).toMatchObject({ status: 'garbage' });
    expect(parseNmeaSentence(`${REAL.bu353Zda.slice(0, 10)}\u00ff${REAL.bu353Zda.slice(11)}`)).toMatchObject({
      status: 'garbage',
      reason: 'contains non-printable characters',
    });
    const long = withNmeaChecksum(`GPTXT,${'x'.repeat(80)}`);
    expect(parseNmeaSentence(long)).toMatchObject({ status: 'garbage', reason: /more than 82/ });
  });

  it('never throws, whatever the line', () => {
    const rnd = prng(7);
    const alphabet = '$*,.0123456789ABCDEFGNPRMSVW\r\n\u0000\u00ff ';
    for (let i = 0; i < 5000; i++) {
      let line = rnd() < 0.5 ? '$GNRMC,' : '$';
      const n = Math.floor(rnd() * 90);
      for (let k = 0; k < n; k++) line += alphabet[Math.floor(rnd() * alphabet.length)];
      if (rnd() < 0.5) line = withNmeaChecksum(line.slice(1).replaceAll('*', ''));
      expect(['ok', 'ignored', 'crc', 'garbage']).toContain(parseNmeaSentence(line).status);
    }
  });
});

describe('NMEA line framer', () => {
  const bytes = (s: string) => Buffer.from(s, 'latin1');
  const sentences = (frames: NmeaFrame[]) => frames.flatMap((f) => (f.kind === 'sentence' ? [f.text] : []));
  const noise = (frames: NmeaFrame[]) => frames.reduce((n, f) => n + (f.kind === 'noise' ? f.bytes : 0), 0);

  it('joins sentences split across chunks, with CR LF or LF alone', () => {
    const framer = createNmeaFramer();
    const stream = `${REAL.bu353Rmc}\r\n${REAL.bu353Gga}\n${REAL.bu353Zda}\r\n`;
    const frames: NmeaFrame[] = [];
    for (let i = 0; i < stream.length; i += 5) frames.push(...framer.push(bytes(stream.slice(i, i + 5))));
    expect(sentences(frames)).toEqual([REAL.bu353Rmc, REAL.bu353Gga, REAL.bu353Zda]);
    expect(noise(frames)).toBe(0);
    expect(framer.buffered).toBe(0);
  });

  it('restarts at every $: a sentence that lost its end, or bytes before a $, are noise', () => {
    const framer = createNmeaFramer();
    // beidou-bd.log has a line with a leading space; a receiver reset can cut a sentence in half.
    const frames = framer.push(bytes(` ${REAL.bu353Rmc}\r\n$GPGGA,0814${REAL.bu353Zda}\r\n`));
    expect(sentences(frames)).toEqual([REAL.bu353Rmc, REAL.bu353Zda]);
    expect(noise(frames)).toBe(1 + '$GPGGA,0814'.length);
  });

  it('drops an overlong line as it arrives and holds at most one sentence', () => {
    const framer = createNmeaFramer();
    const frames = framer.push(bytes(`$GPTXT,${'x'.repeat(500)}\r\n${REAL.bu353Zda}\r\n`));
    expect(sentences(frames)).toEqual([REAL.bu353Zda]);
    // The CR that ends the dropped line is a line end, not noise.
    expect(noise(frames)).toBe('$GPTXT,'.length + 500);
    expect(createNmeaFramer().push(bytes(`$${'y'.repeat(NMEA_MAX_SENTENCE - 3)}\r\n`))).toHaveLength(1);
    const held = createNmeaFramer();
    held.push(bytes(`$${'z'.repeat(10_000)}`));
    expect(held.buffered).toBe(0);
  });

  it('reports bytes that never form a sentence as noise in every chunk', () => {
    const framer = createNmeaFramer();
    expect(framer.push(Uint8Array.from([0x00, 0xff, 0x7f, 0x80]))).toEqual([{ kind: 'noise', bytes: 4 }]);
    expect(framer.push(bytes('\r\n'))).toEqual([]);
  });

  it('survives random hostile bytes with bounded memory, and still frames the next sentence', () => {
    const rnd = prng(42);
    const framer = createNmeaFramer();
    for (let i = 0; i < 2000; i++) {
      const chunk = new Uint8Array(Math.floor(rnd() * 200));
      for (let k = 0; k < chunk.length; k++) chunk[k] = Math.floor(rnd() * 256);
      framer.push(chunk);
      expect(framer.buffered).toBeLessThan(NMEA_MAX_SENTENCE);
    }
    framer.push(bytes('\n')); // ends whatever candidate the noise left open
    expect(sentences(framer.push(bytes(`${REAL.bu353Rmc}\r\n`)))).toEqual([REAL.bu353Rmc]);
  });
});

/** mulberry32: a small seeded PRNG, so a failing hostile input can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
