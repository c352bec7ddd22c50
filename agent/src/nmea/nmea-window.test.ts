import { createNmeaFramer, withNmeaChecksum } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { NmeaWindow } from './nmea-window.js';

/** Sentences of the gpsd project's bu353-glonass.log (GlobalSat BU-353, github.com/ntpsec/gpsd test/daemon). */
const GGA_FIX = '$GPGGA,081412.000,5541.1956,N,03737.2877,E,1,5,4.87,66.2,M,14.5,M,,*6A';
const RMC_FIX = '$GNRMC,081412.000,A,5541.1956,N,03737.2877,E,0.52,301.26,260514,,,A*7F';
const RMC_LATER = '$GNRMC,081413.000,A,5541.1959,N,03737.2894,E,0.46,308.99,260514,,,A*74';
const GGA_NOFIX = '$GPGGA,081420.000,,,,,0,0,,,M,,M,,*47';
const RMC_NOFIX = '$GNRMC,081420.000,V,,,,,0.00,340.16,260514,,,N*58';
const GSV = '$GPGSV,3,1,12,08,88,068,,07,59,081,24,28,41,187,,05,40,260,*7E';
const RMC_AT = Date.UTC(2014, 4, 26, 8, 14, 12);

const LABEL = 'nmea:///dev/ttyAMA0';
const fault = (code: string, message: RegExp) => ({
  sensor: 'gps',
  kind: 'fault',
  fault: code,
  message: expect.stringMatching(message),
});

function feed(window: NmeaWindow, text: string, receivedAt = RMC_AT) {
  window.receive(createNmeaFramer().push(Buffer.from(text, 'latin1')), receivedAt);
}

describe('NmeaWindow: what a read reports of what arrived since the last one', () => {
  it('reports the newest RMC fix as latitude, longitude, speed and the clock offset at receipt', () => {
    const w = new NmeaWindow('gps', LABEL);
    feed(w, `${GGA_FIX}\r\n${RMC_FIX}\r\n`, RMC_AT - 1500);
    feed(w, `${GSV}\r\n${RMC_LATER}\r\n`, RMC_AT + 1000 + 250);
    expect(w.hasRmc).toBe(true);
    expect(w.take(0)).toEqual([
      { sensor: 'gps', kind: 'latitude', value: 55.68659833, unit: 'DD' },
      { sensor: 'gps', kind: 'longitude', value: 37.62149, unit: 'DD' },
      { sensor: 'gps', kind: 'speed', value: 0.85192, unit: 'KMH' },
      // The sentence of 08:14:13 arrived at 08:14:13.250 on the agent's clock.
      { sensor: 'gps', kind: 'clock-offset', value: -250, unit: 'C26' },
    ]);
    expect(w.hasReport).toBe(false);
    expect(w.take(100)).toEqual([fault('timeout', /nothing from the receiver in 100 ms/)]);
  });

  it('reports a no-fix once the newest report has no fix, even after an earlier fix', () => {
    const w = new NmeaWindow('gps', LABEL);
    feed(w, `${RMC_FIX}\r\n${GGA_NOFIX}\r\n${RMC_NOFIX}\r\n`);
    expect(w.take(0)).toEqual([
      fault('no-fix', /^nmea:\/\/\/dev\/ttyAMA0: receiver reports no fix \(GNRMC status V, mode N\)$/),
    ]);
    feed(w, `${GGA_NOFIX}\r\n`);
    expect(w.take(0)).toEqual([fault('no-fix', /GPGGA quality 0, 0 satellites/)]);
  });

  it('gives the position of a GGA-only receiver, without speed or clock offset', () => {
    const w = new NmeaWindow('gps', LABEL);
    feed(w, `${GGA_FIX}\r\n`);
    expect(w.hasRmc).toBe(false);
    expect(w.take(2500).map((s) => s.kind)).toEqual(['latitude', 'longitude']);
  });

  it('tells checksum failures, noise and other sentences apart when no report came', () => {
    const w = new NmeaWindow('gps', LABEL);
    feed(w, `${RMC_FIX.replace('*7F', '*7E')}\r\n\u00ff\u00fe\r\n`);
    expect(w.take(300)).toEqual([
      fault('crc', /1 sentences with a bad checksum \(checksum 7E, computed 7F\), and 2 bytes of noise/),
    ]);
    feed(w, '\u00ff\u00fe\u0000 not nmea at all\r\n');
    expect(w.take(300)).toEqual([fault('garbage', /bytes but no NMEA sentence in 300 ms.*baud rate/)]);
    feed(w, `${GSV}\r\n`);
    expect(w.take(300)).toEqual([fault('timeout', /1 sentences but no RMC or GGA in 300 ms/)]);
    // An RMC whose checksum holds but whose fields do not is garbage too.
    feed(w, `${withNmeaChecksum('GNRMC,081412.000,A,5599.0000,N,03737.2877,E,0.5,,260514,,,A')}\r\n`);
    expect(w.take(300)).toEqual([fault('garbage', /RMC: latitude "5599.0000" is out of range/)]);
  });

  it('reports a vanished port after the fix that arrived before it', () => {
    const w = new NmeaWindow('gps', LABEL);
    feed(w, `${RMC_FIX}\r\n`);
    w.disconnected('/dev/ttyAMA0 disconnected: EIO');
    expect(w.take(0).map((s) => s.kind)).toEqual(['latitude', 'longitude', 'speed', 'clock-offset', 'fault']);
    w.disconnected('cannot open /dev/ttyAMA0: ENOENT');
    expect(w.take(0)).toEqual([fault('disconnected', /cannot open \/dev\/ttyAMA0: ENOENT/)]);
    expect(w.isDown).toBe(false);
  });
});
