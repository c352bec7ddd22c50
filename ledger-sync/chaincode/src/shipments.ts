import type {
  CustodyEvent,
  DeviceEntry,
  DeviceShipmentHead,
  DeviceShipmentRef,
  ShipmentEntry,
  ShipmentProfile,
} from '@coldtrail/core';
import {
  type ColdChainProfile,
  canonicalJson,
  isColdtrailError,
  parseProfile,
  profileSummary,
} from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { parseContents, writeContentIndex } from './contents.js';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { callerMsp, emit, keys, listJson, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

const SHIPMENT_FIELDS = ['sscc', 'device', 'origin', 'destination', 'product', 'profile', 'fromSeq'] as const;
/** Optional fields: a shipment created without them stores none (older callers and entries stay valid). */
const SHIPMENT_OPTIONAL = ['contents', 'profileSpec'] as const;
const PROFILE_FIELDS = ['id', 'lowerC', 'upperC', 'delayMinutes', 'samplePeriodSeconds'] as const;

function parseProfileSummary(value: unknown): ShipmentProfile {
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

/**
 * The versioned profile a shipment is judged by, normalised (core profile.ts), and the summary `profile` must be
 * of it: the two can never disagree on the ledger.
 */
function parseProfileSpec(value: unknown, summary: ShipmentProfile): ColdChainProfile {
  let spec: ColdChainProfile;
  try {
    spec = parseProfile(value);
    const expected = profileSummary(spec);
    if (canonicalJson(expected) !== canonicalJson(summary)) {
      invalid(`profile must be the summary of profileSpec ${spec.uri}: ${canonicalJson(expected)}`);
    }
  } catch (err) {
    if (isColdtrailError(err, 'INVALID_INPUT')) invalid(`profileSpec: ${err.message}`);
    throw err;
  }
  return spec;
}

/**
 * Creates a shipment in transit on a device the calling org owns; that org becomes its custodian. A device
 * carries one shipment at a time: the previous one must be completed, and the new one starts after its last
 * reading, so no two shipments ever claim the same readings.
 */
export async function createShipment(ctx: Context, shipmentArg: string): Promise<ShipmentEntry> {
  const s = v.objectWith(
    v.jsonValue(shipmentArg, 'shipment'),
    'shipment',
    SHIPMENT_FIELDS,
    SHIPMENT_OPTIONAL,
  );
  const sscc = v.sscc(s.sscc);
  const device = v.identifier(s.device, 'device');
  const fields = {
    sscc,
    device,
    origin: v.text(s.origin, 'origin'),
    destination: v.text(s.destination, 'destination'),
    product: v.text(s.product, 'product'),
    profile: parseProfileSummary(s.profile),
    fromSeq: v.seq(s.fromSeq, 'fromSeq'),
    ...(s.contents === undefined ? {} : { contents: parseContents(s.contents) }),
  };
  if (s.profileSpec !== undefined) {
    Object.assign(fields, { profileSpec: parseProfileSpec(s.profileSpec, fields.profile) });
  }
  const org = callerMsp(ctx);
  const key = keys.shipment(ctx, sscc);
  const existing = await readJson<ShipmentEntry>(ctx, key);
  if (existing) {
    const { custodian, toSeq, status, createdAt, completedAt, ordinal, ...given } = existing;
    if (custodian === org && canonicalJson(given) === canonicalJson(fields)) return existing; // a retry
    conflict(`shipment ${sscc} already exists with other details; use a new SSCC`);
  }
  const owner = await readJson<DeviceEntry>(ctx, keys.device(ctx, device));
  if (!owner) notFound(`device ${device} is not registered; register it before creating a shipment`);
  // The custodian anchors and completes against the device's readings, which only the device's org anchors:
  // another org must not open shipments (and so custody claims) on a device it does not own.
  if (owner.org !== org) {
    forbidden(`device ${device} is owned by ${owner.org}; only it may create shipments on the device`);
  }
  if (owner.status === 'revoked') {
    conflict(
      `device ${device} was revoked at ${owner.revokedAt ?? '?'}; a revoked device carries no new shipment`,
    );
  }
  const headKey = keys.deviceShipmentHead(ctx, device);
  const head = await readJson<DeviceShipmentHead>(ctx, headKey);
  if (head) await checkFollows(ctx, head, fields.fromSeq);
  const ordinal = (head?.count ?? 0) + 1;
  const now = txTime(ctx);
  const entry: ShipmentEntry = {
    ...fields,
    custodian: org,
    toSeq: null,
    status: 'in-transit',
    createdAt: now.iso,
    completedAt: null,
    ordinal,
  };
  const custody: CustodyEvent = { sscc, action: 'created', org, at: now.iso, txId: ctx.stub.getTxID() };
  await writeJson(ctx, key, entry);
  await writeJson(ctx, keys.custody(ctx, sscc, now.millis, custody.txId), custody);
  await writeJson(ctx, headKey, { device, count: ordinal, sscc } satisfies DeviceShipmentHead);
  if (fields.contents) await writeContentIndex(ctx, sscc, fields.contents);
  await writeJson(ctx, keys.deviceShipment(ctx, device, ordinal), {
    device,
    ordinal,
    sscc,
  } satisfies DeviceShipmentRef);
  emit(ctx, 'ShipmentCreated', entry);
  return entry;
}

/** The device's newest shipment must be closed, and the new one must start after its last reading. */
async function checkFollows(ctx: Context, head: DeviceShipmentHead, fromSeq: number): Promise<void> {
  const last = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, head.sscc));
  if (!last) conflict(`the shipment index of ${head.device} names ${head.sscc}, which does not exist`);
  if (last.status !== 'completed' || last.toSeq === null) {
    conflict(
      `device ${head.device} still carries shipment ${last.sscc}, which is in transit: complete it before starting another on the device`,
    );
  }
  if (fromSeq <= last.toSeq) {
    conflict(
      `fromSeq ${fromSeq} overlaps shipment ${last.sscc} of ${head.device}, which ended at #${last.toSeq}: start at #${last.toSeq + 1} or later`,
    );
  }
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

/** The device's shipment with the given ordinal (see ShipmentEntry.ordinal), if any. */
export async function deviceShipment(
  ctx: Context,
  device: string,
  ordinal: number,
): Promise<ShipmentEntry | undefined> {
  if (!Number.isSafeInteger(ordinal) || ordinal < 1) return undefined;
  const ref = await readJson<DeviceShipmentRef>(ctx, keys.deviceShipment(ctx, device, ordinal));
  return ref ? readJson<ShipmentEntry>(ctx, keys.shipment(ctx, ref.sscc)) : undefined;
}

/** The shipment the device carries now, if one is in transit. */
export async function openShipment(ctx: Context, deviceArg: string): Promise<ShipmentEntry | undefined> {
  const device = v.identifier(deviceArg, 'device');
  const head = await readJson<DeviceShipmentHead>(ctx, keys.deviceShipmentHead(ctx, device));
  if (!head) return undefined;
  const last = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, head.sscc));
  return last?.status === 'in-transit' ? last : undefined;
}
