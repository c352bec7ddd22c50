import type { Context } from 'fabric-contract-api';
import type { AnchorHead, CustodyEvent, DeviceEntry, ShipmentEntry, ShipmentProfile } from './entries.js';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { callerMsp, emit, keys, listJson, readJson, stableJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

const SHIPMENT_FIELDS = ['sscc', 'device', 'origin', 'destination', 'product', 'profile', 'fromSeq'] as const;
const PROFILE_FIELDS = ['id', 'lowerC', 'upperC', 'delayMinutes', 'samplePeriodSeconds'] as const;

function parseProfile(value: unknown): ShipmentProfile {
  const p = v.exactObject(value, 'profile', PROFILE_FIELDS);
  const profile: ShipmentProfile = {
    id: v.identifier(p.id, 'profile.id'),
    lowerC: v.finite(p.lowerC, 'profile.lowerC'),
    upperC: v.finite(p.upperC, 'profile.upperC'),
    delayMinutes: v.finite(p.delayMinutes, 'profile.delayMinutes'),
    samplePeriodSeconds: v.finite(p.samplePeriodSeconds, 'profile.samplePeriodSeconds'),
  };
  if (profile.lowerC >= profile.upperC) invalid('profile.lowerC must be below profile.upperC');
  if (profile.delayMinutes < 0) invalid('profile.delayMinutes must be >= 0');
  if (profile.samplePeriodSeconds <= 0) invalid('profile.samplePeriodSeconds must be > 0');
  return profile;
}

/** Creates a shipment in transit on a device the calling org owns; that org becomes its custodian. */
export async function createShipment(ctx: Context, shipmentArg: string): Promise<ShipmentEntry> {
  const s = v.jsonObject(shipmentArg, 'shipment', SHIPMENT_FIELDS);
  const sscc = v.sscc(s.sscc);
  const device = v.identifier(s.device, 'device');
  const fields = {
    sscc,
    device,
    origin: v.text(s.origin, 'origin'),
    destination: v.text(s.destination, 'destination'),
    product: v.text(s.product, 'product'),
    profile: parseProfile(s.profile),
    fromSeq: v.seq(s.fromSeq, 'fromSeq'),
  };
  const org = callerMsp(ctx);
  const key = keys.shipment(ctx, sscc);
  const existing = await readJson<ShipmentEntry>(ctx, key);
  if (existing) {
    const { custodian, toSeq, status, createdAt, completedAt, ...given } = existing;
    if (custodian === org && stableJson(given) === stableJson(fields)) return existing; // a retry
    conflict(`shipment ${sscc} already exists with other details; use a new SSCC`);
  }
  const owner = await readJson<DeviceEntry>(ctx, keys.device(ctx, device));
  if (!owner) notFound(`device ${device} is not registered; register it before creating a shipment`);
  // The custodian anchors and completes against the device's readings, which only the device's org anchors:
  // another org must not open shipments (and so custody claims) on a device it does not own.
  if (owner.org !== org) {
    forbidden(`device ${device} is owned by ${owner.org}; only it may create shipments on the device`);
  }
  const now = txTime(ctx);
  const entry: ShipmentEntry = {
    ...fields,
    custodian: org,
    toSeq: null,
    status: 'in-transit',
    createdAt: now.iso,
    completedAt: null,
  };
  const custody: CustodyEvent = { sscc, action: 'created', org, at: now.iso, txId: ctx.stub.getTxID() };
  await writeJson(ctx, key, entry);
  await writeJson(ctx, keys.custody(ctx, sscc, now.millis, custody.txId), custody);
  emit(ctx, 'ShipmentCreated', entry);
  return entry;
}

/**
 * Closes a shipment at the device's last seq. Only the custodian may, and only once every reading of the
 * shipment is anchored (the last partial window is anchored before a shipment is reported, issue 2 item 6).
 */
export async function completeShipment(
  ctx: Context,
  ssccArg: string,
  toSeqArg: string,
): Promise<ShipmentEntry> {
  const sscc = v.sscc(ssccArg);
  const toSeq = v.seqArg(toSeqArg, 'toSeq');
  const key = keys.shipment(ctx, sscc);
  const shipment = await readJson<ShipmentEntry>(ctx, key);
  if (!shipment) notFound(`shipment ${sscc} does not exist`);
  const org = callerMsp(ctx);
  if (shipment.custodian !== org) forbidden(`only the custodian ${shipment.custodian} may complete ${sscc}`);
  if (shipment.status === 'completed') {
    if (shipment.toSeq === toSeq) return shipment; // a retry
    conflict(`shipment ${sscc} is already completed at seq ${shipment.toSeq}`);
  }
  if (toSeq < shipment.fromSeq) invalid(`toSeq ${toSeq} is below the shipment's fromSeq ${shipment.fromSeq}`);
  const head = await readJson<AnchorHead>(ctx, keys.anchorHead(ctx, shipment.device));
  const upTo = head?.upTo ?? 0;
  if (upTo < toSeq) {
    conflict(`readings of ${shipment.device} are anchored up to ${upTo}; anchor them up to ${toSeq} first`);
  }
  const now = txTime(ctx);
  const entry: ShipmentEntry = { ...shipment, toSeq, status: 'completed', completedAt: now.iso };
  const custody: CustodyEvent = { sscc, action: 'completed', org, at: now.iso, txId: ctx.stub.getTxID() };
  await writeJson(ctx, key, entry);
  await writeJson(ctx, keys.custody(ctx, sscc, now.millis, custody.txId), custody);
  emit(ctx, 'ShipmentCompleted', entry);
  return entry;
}

export async function getShipment(ctx: Context, ssccArg: string): Promise<ShipmentEntry | undefined> {
  return readJson<ShipmentEntry>(ctx, keys.shipment(ctx, v.sscc(ssccArg)));
}

export async function listShipments(ctx: Context): Promise<ShipmentEntry[]> {
  return listJson<ShipmentEntry>(ctx, 'shipment', []);
}

export async function listCustody(ctx: Context, sscc: string): Promise<CustodyEvent[]> {
  return listJson<CustodyEvent>(ctx, 'custody', [sscc]);
}
