import {
  buildExceptionResponse,
  buildReadInputRegistersRequest,
  buildReadInputRegistersResponse,
  withCrc,
} from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { readReply } from './reply-reader.js';

const request = buildReadInputRegistersRequest(3, 1, 2);
const reply = buildReadInputRegistersResponse(3, [52, 456]);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const want = (echo: boolean) => ({ request, unit: 3, count: 2, echo });

describe('reading the reply to one 0x04 request', () => {
  it('with echo=true strips exactly the echoed request, whatever the chunking', () => {
    const line = cat(request, reply);
    for (let n = 0; n < line.length; n++) {
      expect(readReply(line.subarray(0, n), want(true))).toEqual({ status: 'incomplete' });
    }
    expect(readReply(line, want(true))).toEqual({ status: 'ok', registers: [52, 456], length: 9 });
    expect(readReply(cat(request, buildExceptionResponse(3, 4, 6)), want(true))).toEqual({
      status: 'exception',
      code: 6,
      length: 5,
    });
  });

  it('with echo=true refuses an echo that differs from the request sent, naming the byte', () => {
    const other = Uint8Array.from(request);
    other[5] = 0x09;
    expect(readReply(cat(other, reply), want(true))).toEqual({
      status: 'garbage',
      reason: expect.stringContaining('echo differs from the request sent at byte 5 (0x09 instead of 0x02)'),
    });
  });

  it('with echo=true on a line that does not echo, says to remove the option', () => {
    expect(readReply(reply.subarray(0, 4), want(true))).toEqual({ status: 'incomplete' });
    expect(readReply(reply, want(true))).toEqual({
      status: 'garbage',
      reason: expect.stringContaining('does not echo: remove echo=true'),
    });
  });

  it('without echo recognises an echo and says to add echo=true, rather than "byte count 0"', () => {
    expect(readReply(request.subarray(0, 5), want(false))).toEqual({ status: 'incomplete' });
    expect(readReply(cat(request, reply), want(false))).toEqual({
      status: 'garbage',
      reason: expect.stringContaining(
        'echoed the request back before the reply (a two-wire RS-485 adapter?): add echo=true',
      ),
    });
    expect(readReply(reply, want(false))).toMatchObject({ status: 'ok' });
  });

  it("refuses a reply naming another unit or another function (a late reply, another slave's answer)", () => {
    expect(readReply(buildReadInputRegistersResponse(4, [52, 456]), want(false))).toEqual({
      status: 'garbage',
      reason: 'unit 4 instead of 3',
    });
    // A well-formed 0x03 (read holding registers) reply from the right unit is still not the answer.
    expect(readReply(withCrc([3, 0x03, 4, 0, 52, 1, 200]), want(false))).toEqual({
      status: 'garbage',
      reason: 'function 0x03 instead of 0x04',
    });
    expect(readReply(cat(request, buildExceptionResponse(3, 0x03, 2)), want(true))).toEqual({
      status: 'garbage',
      reason: 'function 0x83 instead of 0x04',
    });
  });
});
