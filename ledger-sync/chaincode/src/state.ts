import { canonicalJson } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';

/**
 * World-state helpers that keep every transaction deterministic on every peer: values are RFC 8785 canonical
 * JSON (core's one encoder, bundled into the chaincode package), the time is the
 * transaction's own timestamp from the stub (never the peer's clock), and composite keys carry zero-padded
 * numbers so their lexical order is numeric order.
 */
export const SEQ_WIDTH = 16; // Number.MAX_SAFE_INTEGER has 16 digits
export const MILLIS_WIDTH = 15; // epoch milliseconds until the year 33658

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export async function readJson<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  if (!bytes || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export async function writeJson(ctx: Context, key: string, value: unknown): Promise<void> {
  await ctx.stub.putState(key, Buffer.from(canonicalJson(value), 'utf8'));
}

/** All values under a partial composite key, in key order. */
export async function listJson<T>(ctx: Context, objectType: string, attributes: string[]): Promise<T[]> {
  const out: T[] = [];
  for await (const kv of ctx.stub.getStateByPartialCompositeKey(objectType, attributes)) {
    out.push(JSON.parse(Buffer.from(kv.value).toString('utf8')) as T);
  }
  return out;
}

export interface TxTime {
  iso: string;
  millis: number;
}

/** The transaction timestamp chosen by the client and signed into the proposal: the same on every endorser. */
export function txTime(ctx: Context): TxTime {
  const ts = ctx.stub.getTxTimestamp();
  // `seconds` is a Long on a real peer; String() reads a Long and a plain number alike.
  const seconds = Number(String(ts.seconds));
  const millis = seconds * 1000 + Math.floor(ts.nanos / 1_000_000);
  return { iso: new Date(millis).toISOString(), millis };
}

export function callerMsp(ctx: Context): string {
  return ctx.clientIdentity.getMSPID();
}

/** The one chaincode event of a transaction (Fabric keeps only the last setEvent of a transaction). */
export function emit(ctx: Context, name: string, payload: unknown): void {
  ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload), 'utf8'));
}

export const keys = {
  device: (ctx: Context, id: string) => ctx.stub.createCompositeKey('device', [id]),
  shipment: (ctx: Context, sscc: string) => ctx.stub.createCompositeKey('shipment', [sscc]),
  /** One key per custody event: no shipment-wide list that every hand-over rewrites. */
  custody: (ctx: Context, sscc: string, millis: number, txId: string) =>
    ctx.stub.createCompositeKey('custody', [sscc, pad(millis, MILLIS_WIDTH), txId]),
  anchor: (ctx: Context, device: string, fromSeq: number) =>
    ctx.stub.createCompositeKey('anchor', [device, pad(fromSeq, SEQ_WIDTH)]),
  anchorHead: (ctx: Context, device: string) => ctx.stub.createCompositeKey('anchorhead', [device]),
  /** A device's newest shipment, and its shipments in creation order (DeviceShipmentHead / Ref). */
  deviceShipmentHead: (ctx: Context, device: string) => ctx.stub.createCompositeKey('devshiphead', [device]),
  deviceShipment: (ctx: Context, device: string, ordinal: number) =>
    ctx.stub.createCompositeKey('devshipment', [device, pad(ordinal, SEQ_WIDTH)]),
  /**
   * One key per excursion: [sscc, start, rule, direction] for shipments created before profiles, [sscc, start,
   * sensor, zone, rule] for profile excursions (so two sensors' excursions starting together never collide).
   */
  excursion: (
    ctx: Context,
    e: { sscc: string; start: string; rule: string; direction: string; sensor?: string; zone?: string },
  ) =>
    ctx.stub.createCompositeKey('excursion', [
      e.sscc,
      pad(Date.parse(e.start), MILLIS_WIDTH),
      ...(e.sensor === undefined || e.zone === undefined
        ? [e.rule, e.direction]
        : [e.sensor, e.zone, e.rule]),
    ]),
};
