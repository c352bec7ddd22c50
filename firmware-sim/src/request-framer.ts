import { CRC16_MODBUS_INIT, crc16ModbusStep, hasValidCrc, MAX_RTU_FRAME } from '@coldtrail/core';

/**
 * Finds Modbus RTU request frames in a byte stream that arrives in arbitrary chunks.
 *
 * A real slave delimits frames by 3.5 character times of silence (Serial Line V1.02 §2.5.1.1). Timing does not
 * survive a PTY, a USB adapter or an in-process stream, so frames are found by their length, which the
 * function code determines (Application Protocol V1.1b3 §6), and confirmed by their CRC. Bytes that start no
 * valid frame are skipped one at a time (as a slave ignores a frame with a bad CRC), which also resynchronises
 * after a truncated request.
 */
export class RequestFramer {
  private buf = new Uint8Array(0);
  /** Bytes skipped so far because they started no valid frame. */
  discarded = 0;

  push(chunk: Uint8Array): Uint8Array[] {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf);
    merged.set(chunk, this.buf.length);
    this.buf = merged;
    const frames: Uint8Array[] = [];
    for (;;) {
      const found = this.next();
      if (!found) break;
      frames.push(found);
    }
    if (this.buf.length > MAX_RTU_FRAME) this.drop(this.buf.length - MAX_RTU_FRAME);
    return frames;
  }

  /** Takes the earliest complete valid frame; drops bytes that can start no frame. */
  private next(): Uint8Array | undefined {
    let firstIncomplete = -1;
    for (let s = 0; s < this.buf.length; s++) {
      const r = frameAt(this.buf, s);
      if (r === 'incomplete') {
        if (firstIncomplete < 0) firstIncomplete = s;
      } else if (r !== undefined) {
        const frame = this.buf.slice(s, s + r);
        this.drop(s + r, s);
        return frame;
      }
    }
    this.drop(firstIncomplete < 0 ? this.buf.length : firstIncomplete);
    return undefined;
  }

  private drop(n: number, garbage = n): void {
    this.discarded += garbage;
    this.buf = this.buf.slice(n);
  }
}

/**
 * Request length for the function at `buf[s + 1]`: fixed for most public function codes, byte-count driven
 * for the multiple-write ones; undefined when the code has no known request layout.
 */
function requestLength(buf: Uint8Array, s: number): number | 'incomplete' | undefined {
  const fn = buf[s + 1]!;
  if (fn >= 0x01 && fn <= 0x06) return 8;
  if (fn === 0x07 || fn === 0x0b || fn === 0x0c || fn === 0x11) return 4;
  if (fn === 0x0f || fn === 0x10) return s + 6 < buf.length ? 9 + buf[s + 6]! : 'incomplete';
  if (fn === 0x16) return 10;
  if (fn === 0x17) return s + 10 < buf.length ? 13 + buf[s + 10]! : 'incomplete';
  return undefined;
}

/** Length of a valid frame starting at `s`, 'incomplete' if it may still become one, undefined if not. */
function frameAt(buf: Uint8Array, s: number): number | 'incomplete' | undefined {
  const rest = buf.length - s;
  if (rest < 2) return 'incomplete';
  const len = requestLength(buf, s);
  if (len === 'incomplete') return len;
  if (len !== undefined) {
    if (rest < len) return 'incomplete';
    return hasValidCrc(buf.subarray(s, s + len)) ? len : undefined;
  }
  // Unknown function code: the slave must still answer "illegal function" to a well-formed frame, so look for
  // the shortest span whose last two bytes are the CRC of the rest (running CRC, one pass).
  const max = Math.min(rest, MAX_RTU_FRAME);
  let crc = CRC16_MODBUS_INIT;
  for (let covered = 1; covered + 2 <= max; covered++) {
    crc = crc16ModbusStep(crc, buf[s + covered - 1]!);
    const end = s + covered;
    if (covered >= 2 && buf[end] === (crc & 0xff) && buf[end + 1] === crc >>> 8) return covered + 2;
  }
  return rest < MAX_RTU_FRAME ? 'incomplete' : undefined;
}
