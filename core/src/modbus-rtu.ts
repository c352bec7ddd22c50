/**
 * Modbus RTU framing shared by the agent (master) and firmware-sim (slave). Pure: no I/O.
 *
 * Sources: "MODBUS over Serial Line Specification and Implementation Guide V1.02" §2.5.1 (RTU frame:
 * address, function, data, CRC low byte first) and §6.2.2 / Appendix B (CRC-16, polynomial 0xA001 reflected,
 * initial value 0xFFFF); "MODBUS Application Protocol Specification V1.1b3" §6.4 (0x04 Read Input Registers:
 * quantity 1..125) and §7 (exception responses: function | 0x80, one exception code byte).
 */

export const ModbusFunction = { ReadInputRegisters: 0x04 } as const;
export type ModbusFunction = (typeof ModbusFunction)[keyof typeof ModbusFunction];

/** Exception codes (Application Protocol V1.1b3 §7, "MODBUS Exception Codes"; 0x07 and 0x09 are not defined). */
export const ModbusExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  Acknowledge: 0x05,
  ServerDeviceBusy: 0x06,
  MemoryParityError: 0x08,
  GatewayPathUnavailable: 0x0a,
  GatewayTargetDeviceFailedToRespond: 0x0b,
} as const;
export type ModbusExceptionCode = (typeof ModbusExceptionCode)[keyof typeof ModbusExceptionCode];

/** The names §7 gives each code (lower-cased, as fault messages have always printed them). */
const EXCEPTION_NAMES: Record<ModbusExceptionCode, string> = {
  [ModbusExceptionCode.IllegalFunction]: 'illegal function',
  [ModbusExceptionCode.IllegalDataAddress]: 'illegal data address',
  [ModbusExceptionCode.IllegalDataValue]: 'illegal data value',
  [ModbusExceptionCode.ServerDeviceFailure]: 'server device failure',
  [ModbusExceptionCode.Acknowledge]: 'acknowledge',
  [ModbusExceptionCode.ServerDeviceBusy]: 'server device busy',
  [ModbusExceptionCode.MemoryParityError]: 'memory parity error',
  [ModbusExceptionCode.GatewayPathUnavailable]: 'gateway path unavailable',
  [ModbusExceptionCode.GatewayTargetDeviceFailedToRespond]: 'gateway target device failed to respond',
};

/**
 * `exception 0x0b (gateway target device failed to respond)`; a code §7 does not define keeps its number
 * (`exception 0x42 (unknown exception code 66)`), since a vendor may use private codes.
 */
export function describeModbusException(code: number): string {
  const name = EXCEPTION_NAMES[code as ModbusExceptionCode] ?? `unknown exception code ${code}`;
  return `exception 0x${code.toString(16).padStart(2, '0')} (${name})`;
}

/**
 * Inter-frame silence t3.5 in milliseconds (Serial Line V1.02 §2.5.1.1): 3.5 character times of 11 bits
 * (start, 8 data, parity or second stop, stop: §2.5.1), or a fixed 1.75 ms above 19200 baud, where timer
 * interrupts would otherwise dominate.
 */
export function interFrameSilenceMs(baudRate: number): number {
  return baudRate > 19_200 ? 1.75 : (3.5 * 11 * 1000) / baudRate;
}

/**
 * Register map of the temperature/humidity probe (XY-MD02 class RS-485 probes): input registers read with
 * function 0x04; temperature int16 in 0.1 °C, relative humidity uint16 in 0.1 %RH.
 */
export const ProbeRegister = { Temperature: 0x0001, Humidity: 0x0002 } as const;
export type ProbeRegister = (typeof ProbeRegister)[keyof typeof ProbeRegister];

/** Largest RTU frame (Serial Line §2.5.1: 256 bytes). */
export const MAX_RTU_FRAME = 256;
/** Largest quantity of registers in one 0x04 request (Application Protocol §6.4). */
export const MAX_READ_REGISTERS = 125;

/** CRC-16/MODBUS of `bytes` (Serial Line Appendix B). */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = CRC16_MODBUS_INIT;
  for (const b of bytes) crc = crc16ModbusStep(crc, b);
  return crc;
}

export const CRC16_MODBUS_INIT = 0xffff;

/** One byte of CRC-16/MODBUS, for a framer that extends the CRC as bytes arrive. */
export function crc16ModbusStep(crc: number, byte: number): number {
  let c = crc ^ byte;
  for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
  return c;
}

/** Returns `pdu` (address + function + data) followed by its CRC, low byte first. */
export function withCrc(pdu: Uint8Array | readonly number[]): Uint8Array {
  const out = new Uint8Array(pdu.length + 2);
  out.set(pdu);
  const crc = crc16Modbus(out.subarray(0, pdu.length));
  out[pdu.length] = crc & 0xff;
  out[pdu.length + 1] = crc >>> 8;
  return out;
}

/** True if the last two bytes of `frame` are the CRC of the rest. */
export function hasValidCrc(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16Modbus(frame.subarray(0, frame.length - 2));
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >>> 8;
}

function u16(value: number): [number, number] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

/** `unit 04 startHi startLo countHi countLo crcLo crcHi`. */
export function buildReadInputRegistersRequest(unit: number, start: number, count: number): Uint8Array {
  return withCrc([unit, ModbusFunction.ReadInputRegisters, ...u16(start), ...u16(count)]);
}

/** `unit 04 byteCount (regHi regLo)* crcLo crcHi`; registers are 16-bit words (negative int16 allowed). */
export function buildReadInputRegistersResponse(unit: number, registers: readonly number[]): Uint8Array {
  const words = registers.flatMap((r) => u16(r & 0xffff));
  return withCrc([unit, ModbusFunction.ReadInputRegisters, words.length, ...words]);
}

/** `unit (function | 0x80) code crcLo crcHi`. */
export function buildExceptionResponse(unit: number, fn: number, code: number): Uint8Array {
  return withCrc([unit, (fn | 0x80) & 0xff, code]);
}

/** The outcome of parsing what a slave sent back to one 0x04 request. */
export type ReadResponse =
  /** More bytes are needed. */
  | { status: 'incomplete' }
  | { status: 'ok'; registers: number[]; length: number }
  | { status: 'exception'; code: number; length: number }
  /** A frame of the expected length whose CRC does not match. */
  | { status: 'crc'; length: number }
  /** Bytes that cannot start the expected answer: wrong unit, function or byte count. */
  | { status: 'garbage'; reason: string };

/**
 * Parses the start of `buf` as the answer to `buildReadInputRegistersRequest(unit, _, count)`. The length of
 * the answer is known from the request, so no inter-frame silence is needed to find its end (timing is not
 * reliable through a PTY or a USB adapter).
 */
export function parseReadInputRegistersResponse(buf: Uint8Array, unit: number, count: number): ReadResponse {
  if (buf.length === 0) return { status: 'incomplete' };
  if (buf[0] !== unit) return { status: 'garbage', reason: `unit ${buf[0]} instead of ${unit}` };
  if (buf.length < 2) return { status: 'incomplete' };
  const fn = buf[1]!;
  let length: number;
  if (fn === ModbusFunction.ReadInputRegisters) {
    if (buf.length < 3) return { status: 'incomplete' };
    if (buf[2] !== count * 2)
      return { status: 'garbage', reason: `byte count ${buf[2]} instead of ${count * 2}` };
    length = 5 + count * 2;
  } else if (fn === (ModbusFunction.ReadInputRegisters | 0x80)) {
    length = 5;
  } else {
    return { status: 'garbage', reason: `function 0x${fn.toString(16).padStart(2, '0')} instead of 0x04` };
  }
  if (buf.length < length) return { status: 'incomplete' };
  const frame = buf.subarray(0, length);
  if (!hasValidCrc(frame)) return { status: 'crc', length };
  if (fn !== ModbusFunction.ReadInputRegisters) return { status: 'exception', code: frame[2]!, length };
  const registers: number[] = [];
  for (let i = 0; i < count; i++) registers.push((frame[3 + 2 * i]! << 8) | frame[4 + 2 * i]!);
  return { status: 'ok', registers, length };
}

/** Reads a 16-bit register as a signed int16 (two's complement). */
export function toInt16(word: number): number {
  return word & 0x8000 ? (word & 0xffff) - 0x10000 : word & 0xffff;
}
