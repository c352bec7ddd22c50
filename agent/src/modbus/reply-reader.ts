import { parseReadInputRegistersResponse, type ReadResponse } from '@coldtrail/core';

export interface ReplyExpectation {
  /** The request as written, to recognise (and, with `echo`, strip) its echo. */
  request: Uint8Array;
  /** Unit id and register count the request asked for: a reply must name the same unit and function. */
  unit: number;
  count: number;
  /** The line writes every request back before the reply (a two-wire RS-485 adapter that hears itself). */
  echo: boolean;
}

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/** Index of the first byte where `a` and `b` differ within their common length, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Reads what came back for one 0x04 request. With `echo`, exactly the request's bytes must come first and are
 * stripped (a different "echo" is a collision or another master, not something to skip over). Without it, an
 * echo is recognised and reported as such (a clear fault that says to set `echo=true`), and the line then
 * resynchronises instead of reading the echo as a malformed reply forever. The reply itself must name the
 * requested unit and function (checked by core's parser: a late reply of another unit is garbage).
 */
export function readReply(rx: Uint8Array, want: ReplyExpectation): ReadResponse {
  const { request, unit, count } = want;
  if (want.echo) {
    const at = firstDifference(rx, request);
    if (at < 0) {
      if (rx.length < request.length) return { status: 'incomplete' };
      return parseReadInputRegistersResponse(rx.subarray(request.length), unit, count);
    }
    // Not our echo. If it is a whole reply, the line does not echo at all: say so rather than "garbage".
    const direct = parseReadInputRegistersResponse(rx, unit, count);
    if (direct.status === 'incomplete') return direct;
    if (direct.status === 'ok' || direct.status === 'exception') {
      return {
        status: 'garbage',
        reason: 'the reply came without the echo of the request; this line does not echo: remove echo=true',
      };
    }
    return {
      status: 'garbage',
      reason: `the echo differs from the request sent at byte ${at} (${hex(rx[at]!)} instead of ${hex(request[at]!)}): a collision or a second master on the bus?`,
    };
  }
  // An echo can only be told from a reply once the bytes differ from a reply's start (at the byte count).
  if (rx.length >= 3 && firstDifference(rx, request) < 0) {
    if (rx.length < request.length) return { status: 'incomplete' };
    return {
      status: 'garbage',
      reason:
        'the line echoed the request back before the reply (a two-wire RS-485 adapter?): add echo=true to the address',
    };
  }
  return parseReadInputRegistersResponse(rx, unit, count);
}
