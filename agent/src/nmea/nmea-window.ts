import {
  FaultCode,
  type GgaSentence,
  type NmeaFrame,
  parseNmeaSentence,
  type RmcSentence,
  type Sample,
  Unit,
} from '@coldtrail/core';

/** A sentence and when (on the agent's clock) its last byte arrived. */
type Received<S> = S & { receivedAt: number };

/**
 * What a GPS receiver said since the last read: the newest position report and tallies of everything else.
 * A receiver talks whether anyone reads or not, so only this summary is kept, never the sentences: memory
 * stays constant however long the agent waits between reads. Pure: the source feeds it frames.
 */
export class NmeaWindow {
  /** The newest RMC or GGA, fix or not: it decides between samples and a no-fix fault. */
  private latest: Received<RmcSentence | GgaSentence> | undefined;
  private rmcFix: Received<RmcSentence> | undefined;
  private ggaFix: Received<GgaSentence> | undefined;
  private valid = 0;
  private crc = 0;
  private crcReason = '';
  private garbage = 0;
  private garbageReason = '';
  private downReason: string | undefined;
  private rmcArrived = false;

  constructor(
    private readonly sensor: string,
    private readonly label: string,
  ) {}

  receive(frames: readonly NmeaFrame[], receivedAt: number): void {
    for (const frame of frames) {
      if (frame.kind === 'noise') {
        this.garbage += frame.bytes;
        this.garbageReason = 'bytes that are no NMEA sentence';
        continue;
      }
      const r = parseNmeaSentence(frame.text);
      switch (r.status) {
        case 'ok': {
          this.valid++;
          const s = { ...r.sentence, receivedAt };
          this.latest = s;
          if (s.type === 'RMC') this.rmcArrived = true;
          // A fix from before a no-fix report is no longer where the receiver is.
          if (!s.fix) this.rmcFix = this.ggaFix = undefined;
          else if (s.type === 'RMC') this.rmcFix = s;
          else this.ggaFix = s;
          break;
        }
        case 'ignored':
          this.valid++;
          break;
        case 'crc':
          this.crc++;
          this.crcReason = r.reason;
          break;
        case 'garbage':
          this.garbage += frame.text.length;
          this.garbageReason = r.reason;
          break;
        default:
          r satisfies never;
      }
    }
  }

  /** The port went away: the next read reports it, after whatever arrived before. */
  disconnected(reason: string): void {
    this.downReason = reason;
  }

  get isDown(): boolean {
    return this.downReason !== undefined;
  }

  /** A position report (fix or no fix) arrived: a read can answer without waiting. */
  get hasReport(): boolean {
    return this.latest !== undefined;
  }

  /**
   * An RMC arrived. A waiting read ends on it rather than on the first report: RMC is the one sentence every
   * receiver sends each second, so the second's GGA (sent before it by SiRF receivers) is not left for the
   * next read. A receiver that sends GGA alone is answered when the read's timeout ends.
   */
  get hasRmc(): boolean {
    return this.rmcArrived;
  }

  /** The samples for everything since the last take, and a fresh window. */
  take(waitedMs: number): Sample[] {
    const out = this.report(waitedMs);
    if (this.downReason !== undefined) out.push(this.fault(FaultCode.Disconnected, this.downReason));
    this.latest = this.rmcFix = this.ggaFix = undefined;
    this.rmcArrived = false;
    this.valid = this.crc = this.garbage = 0;
    this.downReason = undefined;
    return out;
  }

  private report(waitedMs: number): Sample[] {
    const sensor = this.sensor;
    const latest = this.latest;
    if (latest?.fix) {
      // RMC is the "recommended minimum": position, speed and date+time of one fix. GGA alone (receivers set
      // to GGA only) still gives the position.
      const rmc = this.rmcFix;
      const pos = rmc ?? this.ggaFix ?? latest;
      const out: Sample[] = [
        { sensor, kind: 'latitude', value: pos.latitude ?? 0, unit: Unit.Degree },
        { sensor, kind: 'longitude', value: pos.longitude ?? 0, unit: Unit.Degree },
      ];
      if (rmc?.speedKmh !== undefined)
        out.push({ sensor, kind: 'speed', value: rmc.speedKmh, unit: Unit.KilometrePerHour });
      // GPS time minus the agent's clock when the sentence arrived. The receiver sends a fix some tens to
      // hundreds of milliseconds after its epoch and the line adds ~1 ms per character at 9600 baud, so the
      // offset reads that much negative on a perfect clock: drift is what it shows, not sub-second truth.
      if (rmc?.epochMs !== undefined)
        out.push({
          sensor,
          kind: 'clock-offset',
          value: Math.round(rmc.epochMs - rmc.receivedAt) || 0, // never -0
          unit: Unit.Millisecond,
        });
      return out;
    }
    if (latest) return [this.fault(FaultCode.NoFix, `receiver reports no fix (${describe(latest)})`)];
    if (this.isDown) return [];
    if (this.crc > 0) {
      const also = this.garbage > 0 ? `, and ${this.garbage} bytes of noise` : '';
      return [
        this.fault(
          FaultCode.Crc,
          `${this.crc} sentences with a bad checksum (${this.crcReason})${also}, no valid one in ${waitedMs} ms`,
        ),
      ];
    }
    if (this.garbage > 0)
      return [
        this.fault(
          FaultCode.Garbage,
          `${this.garbage} bytes but no NMEA sentence in ${waitedMs} ms (${this.garbageReason}); ` +
            'check the baud rate',
        ),
      ];
    if (this.valid > 0)
      return [
        this.fault(
          FaultCode.Timeout,
          `${this.valid} sentences but no RMC or GGA in ${waitedMs} ms; enable RMC/GGA output`,
        ),
      ];
    return [this.fault(FaultCode.Timeout, `nothing from the receiver in ${waitedMs} ms`)];
  }

  private fault(fault: FaultCode, message: string): Sample {
    return { sensor: this.sensor, kind: 'fault', fault, message: `${this.label}: ${message}` };
  }
}

function describe(s: RmcSentence | GgaSentence): string {
  if (s.type === 'RMC') return `${s.talker}RMC status ${s.status}${s.mode ? `, mode ${s.mode}` : ''}`;
  const sats = s.satellites === undefined ? '' : `, ${s.satellites} satellites`;
  return `${s.talker}GGA quality ${s.quality}${sats}`;
}
