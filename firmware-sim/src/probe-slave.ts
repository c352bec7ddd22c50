import {
  buildExceptionResponse,
  buildReadInputRegistersResponse,
  type Clock,
  MAX_READ_REGISTERS,
  ModbusExceptionCode,
  ModbusFunction,
  ProbeRegister,
} from '@coldtrail/core';
import { RequestFramer } from './request-framer.js';
import type { FaultKind, Scenario, ScenarioFault } from './scenario.js';
import { valuesAt } from './scenario-values.js';

/** What the probe did with what it heard; for logs, live progress and tests that wait for a condition. */
export type ProbeEvent =
  | { type: 'reply'; at: number; temperature: number; humidity: number }
  | { type: 'exception'; at: number; code: number }
  | { type: 'fault'; at: number; fault: FaultKind }
  | { type: 'ignored'; at: number; reason: 'other-unit' | 'broadcast' }
  | { type: 'discarded'; at: number; bytes: number }
  | { type: 'disconnected'; at: number; message: string };

export interface ProbeSlaveOptions {
  /** Modbus slave address, 1..247. */
  unit: number;
  scenario: Scenario;
  /** Epoch ms (in the clock's time) at which the scenario starts. */
  startEpochMs: number;
  clock: Pick<Clock, 'now'>;
  onEvent?: (event: ProbeEvent) => void;
}

/** A frame to send back, `delayMs` of wall time after the request was heard (0: at once). */
export interface SlaveReply {
  bytes: Uint8Array;
  delayMs: number;
}

/** Default delay of a `late` fault: twice the agent's default 500 ms timeout. */
export const LATE_DELAY_MS = 1000;

/** The probe's protocol logic, free of I/O: bytes in, reply frames out. */
export interface ProbeSlave {
  readonly unit: number;
  /** Feeds received bytes (any chunking); returns the byte strings to send back, in order. */
  receive(chunk: Uint8Array): Uint8Array[];
  /** As `receive`, with when each reply is due (a `late` fault delays one). */
  respond(chunk: Uint8Array): SlaveReply[];
}

/** Bytes that start no Modbus reply: address 0x00 is broadcast, which a slave never answers from. */
const GARBAGE = Uint8Array.from([0x00, 0xff, 0x55, 0xaa, 0x13, 0x37, 0xfe, 0x80, 0x7f, 0x0d, 0x0a]);
const REGISTERS = [ProbeRegister.Temperature, ProbeRegister.Humidity];

export function createProbeSlave(opts: ProbeSlaveOptions): ProbeSlave {
  const framer = new RequestFramer();
  const used = opts.scenario.faults.map(() => 0);
  const emit = (e: ProbeEvent) => opts.onEvent?.(e);

  /**
   * A count fault waits for the first request at or after its time, but only until the next fault or event
   * begins: a clock that jumps (a test, a paused demo) must not carry stale faults forward, and a fault must
   * never hide part of an event (the scenario promises faults outside event windows).
   */
  const starts = [...opts.scenario.events.map((e) => e.startMs), ...opts.scenario.faults.map((f) => f.atMs)];
  const expires = opts.scenario.faults.map((f) => Math.min(...starts.filter((t) => t > f.atMs)));

  /** The fault this request runs into, if any; count faults are used up one request at a time. */
  function activeFault(offset: number): ScenarioFault | undefined {
    return opts.scenario.faults.find((f, i) => {
      if (offset < f.atMs) return false;
      if (f.durationMs !== undefined) return offset < f.atMs + f.durationMs;
      if (used[i]! >= f.count || offset >= expires[i]!) return false;
      used[i]!++;
      return true;
    });
  }

  function answer(frame: Uint8Array, at: number): SlaveReply | undefined {
    let delayMs = 0;
    const bytes = frameFor(frame, at, (ms) => {
      delayMs = ms;
    });
    return bytes && { bytes, delayMs };
  }

  /** Application Protocol V1.1b3 §6.4 and its state diagram: function, then quantity (03), then address (02). */
  function frameFor(frame: Uint8Array, at: number, delay: (ms: number) => void): Uint8Array | undefined {
    const unit = frame[0]!;
    const fn = frame[1]!;
    // Serial Line V1.02 §2.2: address 0 is broadcast; reads are not broadcast, and slaves never reply to one.
    if (unit === 0) return void emit({ type: 'ignored', at, reason: 'broadcast' });
    if (unit !== opts.unit) return void emit({ type: 'ignored', at, reason: 'other-unit' });
    const offset = at - opts.startEpochMs;
    const fault = activeFault(offset);
    if (fault?.kind === 'silent') return void emit({ type: 'fault', at, fault: 'silent' });
    const { reply, event } = normalReply(frame, unit, fn, offset, at);
    emit(fault ? { type: 'fault', at, fault: fault.kind } : event);
    if (!fault) return reply;
    switch (fault.kind) {
      case 'crc': {
        const bad = Uint8Array.from(reply);
        bad[bad.length - 1]! ^= 0x5a;
        return bad;
      }
      case 'garbage':
        return GARBAGE;
      case 'truncated':
        return reply.slice(0, Math.max(1, reply.length - 4));
      case 'exception':
        return buildExceptionResponse(unit, fn, fault.code ?? ModbusExceptionCode.ServerDeviceFailure);
      case 'late':
        delay(fault.delayMs ?? LATE_DELAY_MS);
        return reply;
      default:
        return fault.kind satisfies never;
    }
  }

  function normalReply(frame: Uint8Array, unit: number, fn: number, offset: number, at: number) {
    const exception = (code: number) => ({
      reply: buildExceptionResponse(unit, fn, code),
      event: { type: 'exception', at, code } satisfies ProbeEvent,
    });
    if (fn !== ModbusFunction.ReadInputRegisters || frame.length !== 8) {
      return exception(ModbusExceptionCode.IllegalFunction);
    }
    const start = (frame[2]! << 8) | frame[3]!;
    const count = (frame[4]! << 8) | frame[5]!;
    if (count < 1 || count > MAX_READ_REGISTERS) return exception(ModbusExceptionCode.IllegalDataValue);
    const first = REGISTERS[0]!;
    if (start < first || start + count > first + REGISTERS.length) {
      return exception(ModbusExceptionCode.IllegalDataAddress);
    }
    const v = valuesAt(opts.scenario, offset);
    const words = [Math.round(v.temperature * 10), Math.round(v.humidity * 10)];
    return {
      reply: buildReadInputRegistersResponse(unit, words.slice(start - first, start - first + count)),
      event: { type: 'reply', at, temperature: v.temperature, humidity: v.humidity } satisfies ProbeEvent,
    };
  }

  function respond(chunk: Uint8Array): SlaveReply[] {
    const before = framer.discarded;
    const frames = framer.push(chunk);
    const at = opts.clock.now();
    if (framer.discarded > before) emit({ type: 'discarded', at, bytes: framer.discarded - before });
    const replies: SlaveReply[] = [];
    for (const f of frames) {
      const r = answer(f, at);
      if (r) replies.push(r);
    }
    return replies;
  }

  return {
    unit: opts.unit,
    respond,
    receive: (chunk) => respond(chunk).map((r) => r.bytes),
  };
}
