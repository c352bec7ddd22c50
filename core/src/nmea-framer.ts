import { NMEA_MAX_SENTENCE } from './nmea.js';

/**
 * Cuts an NMEA 0183 byte stream (a receiver that talks continuously) into sentences. Pure: no I/O.
 *
 * NMEA 0183 v4.10 §5.2: a sentence starts with `$` (or `!` for encapsulated data) and ends with CR LF; `$`
 * and `!` are reserved and appear nowhere else, so either one starts a new sentence even when the previous
 * one lost its end (a receiver that resets mid-line). §5.3: at most 82 characters including `$` and CR LF,
 * so a candidate longer than that is noise and dropped as it arrives: memory stays bounded by one sentence
 * whatever a broken line or a wrong baud rate sends. LF alone also ends a line (some receivers and PTYs).
 */
export type NmeaFrame =
  /** `$` through the checksum, line ending removed; still to be checked by parseNmeaSentence. */
  | { kind: 'sentence'; text: string }
  /** Bytes that belong to no sentence: before a `$`, a sentence cut short, an overlong line. */
  | { kind: 'noise'; bytes: number };

export interface NmeaFramer {
  /** Frames the bytes of `chunk` together with what earlier chunks left unfinished. */
  push(chunk: Uint8Array): NmeaFrame[];
  /** Bytes of an unfinished sentence held for the next chunk: never more than NMEA_MAX_SENTENCE - 1. */
  readonly buffered: number;
}

const DOLLAR = 0x24;
const BANG = 0x21;
const CR = 0x0d;
const LF = 0x0a;
/** `$` through CR: everything of a sentence but its final LF. */
const MAX_HELD = NMEA_MAX_SENTENCE - 1;

export function createNmeaFramer(): NmeaFramer {
  const held = new Uint8Array(MAX_HELD);
  let length = 0;
  /** True while `held` holds a candidate sentence (it started with `$` or `!`). */
  let inSentence = false;
  let noise = 0;

  return {
    get buffered() {
      return length;
    },
    push(chunk) {
      const out: NmeaFrame[] = [];
      const flushNoise = () => {
        if (noise > 0) out.push({ kind: 'noise', bytes: noise });
        noise = 0;
      };
      for (const b of chunk) {
        if (b === DOLLAR || b === BANG) {
          // A sentence start: whatever was held had no line end, so it is noise.
          noise += length;
          held[0] = b;
          length = 1;
          inSentence = true;
        } else if (b === LF) {
          if (inSentence) {
            const end = length > 0 && held[length - 1] === CR ? length - 1 : length;
            flushNoise();
            out.push({ kind: 'sentence', text: latin1(held, end) });
          }
          length = 0;
          inSentence = false;
        } else if (inSentence) {
          if (length >= MAX_HELD) {
            // Longer than any sentence: drop it and everything up to the next `$` or LF.
            noise += length + 1;
            length = 0;
            inSentence = false;
          } else {
            held[length++] = b;
          }
        } else if (b !== CR) {
          noise++;
        }
      }
      flushNoise();
      return out;
    },
  };
}

/** Bytes as one character each (0x00-0xFF): non-ASCII bytes stay visible to the parser, which refuses them. */
function latin1(bytes: Uint8Array, end: number): string {
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
