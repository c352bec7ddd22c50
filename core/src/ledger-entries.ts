import { z } from 'zod';
import { isSscc } from './gs1.js';
import { type ShipmentItem, shipmentItemSchema } from './ledger-custody.js';
import { HEX64_PATTERN, IDENTIFIER_PATTERN, ISO_MS_PATTERN } from './patterns.js';
import type { ColdChainProfile } from './profile.js';
import { isNormalisedProfile } from './shipment-rules.js';

/**
 * The ledger's entries, defined once for the chaincode (which stores and returns them as RFC 8785 JSON), the
 * ledger client (which checks every answer against the schemas below: a Fabric peer may run another chaincode
 * version or be hostile) and every reader of the ledger. Ledger times come from the transaction timestamp;
 * excursion start/end come from the readings. Times are UTC ISO-8601 with milliseconds.
 */
export interface DeviceEntry {
  id: string;
  org: string;
  publicKey: string;
  registeredAt: string;
  /** Absent while the device is enrolled; `revoked` for good once its org revoked it (never re-enrolled). */
  status?: 'revoked';
  /** Ledger time of the revocation. */
  revokedAt?: string;
  /** Why it was revoked (free text, or null when none was given). */
  reason?: string | null;
}

export interface ShipmentProfile {
  id: string;
  lowerC: number;
  upperC: number;
  delayMinutes: number;
  samplePeriodSeconds: number;
}

export interface ShipmentEntry {
  sscc: string;
  device: string;
  custodian: string;
  origin: string;
  destination: string;
  product: string;
  profile: ShipmentProfile;
  fromSeq: number;
  /** Last device seq of the shipment once completed; fromSeq - 1 for a shipment closed without readings. */
  toSeq: number | null;
  status: 'in-transit' | 'completed';
  createdAt: string;
  completedAt: string | null;
  /**
   * The shipment's place among the device's shipments (1, 2, ...): key of the device's shipment index, so the
   * shipments before and after it are one read away. Absent on shipments created before the index existed.
   */
  ordinal?: number;
  /** What the shipment carries (SGTINs and lot lines), when its creator declared it; absent otherwise. */
  contents?: ShipmentItem[];
  /**
   * The versioned profile (normalised) the shipment is judged by; `profile` is then its summary
   * (shipment-rules.ts). Absent on shipments created before profiles: they are judged by `profile` alone.
   */
  profileSpec?: ColdChainProfile;
}

/** Per-device pointer to its newest shipment: a device carries at most one open shipment at a time. */
export interface DeviceShipmentHead {
  device: string;
  /** Ordinal of the newest shipment (= how many the device carried). */
  count: number;
  sscc: string;
}

/** One entry of a device's shipment index, in creation order. */
export interface DeviceShipmentRef {
  device: string;
  ordinal: number;
  sscc: string;
}

export interface AnchorEntry {
  device: string;
  fromSeq: number;
  toSeq: number;
  root: string;
  count: number;
  anchoredAt: string;
  txId: string;
}

/** Per-device anchoring watermark, so contiguity is checked with one read. */
export interface AnchorHead {
  device: string;
  upTo: number;
}

/**
 * One excursion as the ledger records it. Shipments evaluated under a versioned profile (ShipmentEntry
 * `profileSpec`) record one entry per sensor, zone and alarm rule, with `sensor`, `measure`, `zone`,
 * `inclusive`, `triggeredAt` and `gapMs` set and an id naming the sensor and zone (excursionKeyId), so two
 * sensors' excursions starting at the same instant never collide. Entries of shipments created before
 * profiles carry none of those fields: single-event only, merged across sensors, id excursionId.
 */
export interface ExcursionEntry {
  sscc: string;
  id: string;
  rule: ExcursionRuleKind;
  direction: 'above' | 'below';
  limit: number;
  start: string;
  end: string;
  /** Time beyond the limit: end - start for instant and single-event; the accumulated total for cumulative. */
  durationMs: number;
  maxValue: number;
  recordedAt: string;
  txId: string;
  sensor?: string;
  measure?: ExcursionMeasure;
  zone?: string;
  /** Whether a value equal to the limit counts as beyond. */
  inclusive?: boolean;
  /** When the alarm condition was met (start + delay for single-event, the budget's crossing for cumulative). */
  triggeredAt?: string;
  /** Time inside [start, end) that no sample covered (data gaps bridged by the excursion). */
  gapMs?: number;
}

export const EXCURSION_RULE_KINDS = ['instant', 'single-event', 'cumulative'] as const;
export type ExcursionRuleKind = (typeof EXCURSION_RULE_KINDS)[number];
export const EXCURSION_MEASURES = ['temperature', 'humidity', 'door'] as const;
export type ExcursionMeasure = (typeof EXCURSION_MEASURES)[number];

export interface CustodyEvent {
  sscc: string;
  /**
   * created/completed: the shipment's own life; offered/accepted/rejected/withdrawn: the two-step custody
   * hand-over (`org` is the org that took the step: the offerer, or the receiver for accepted/rejected).
   */
  action: 'created' | 'completed' | 'offered' | 'accepted' | 'rejected' | 'withdrawn';
  org: string;
  at: string;
  txId: string;
  /**
   * Why a shipment was closed by hand (e.g. its process died), why an offer was rejected or withdrawn; null
   * otherwise. Absent on older events.
   */
  reason?: string | null;
  /** offered/withdrawn: the org the offer names; accepted/rejected: the org that made the offer (`from`). */
  to?: string;
  from?: string;
  /** The SGLN where the step took place (hand-over steps only). */
  location?: string;
  /** The time the caller declared for the step (not after `at`), null when none was given. */
  eventTime?: string | null;
}

/** What CompleteShipment takes besides the SSCC and toSeq: the shipment's excursion set, final. */
export interface ShipmentClosing {
  /** Every excursion of the shipment, as evaluated over its readings fromSeq..toSeq. */
  excursions: Omit<ExcursionEntry, 'recordedAt' | 'txId'>[];
  reason: string | null;
}

export interface ProvenanceView {
  shipment: ShipmentEntry;
  device: DeviceEntry;
  custody: CustodyEvent[];
  anchors: AnchorEntry[];
  excursions: ExcursionEntry[];
  /** The device's shipments just before and after this one (by ordinal); null when none or not indexed. */
  previous: ShipmentEntry | null;
  next: ShipmentEntry | null;
}

/** The deterministic excursion id: the same excursion detected twice (a restart, a retry) gets the same id. */
export function excursionId(sscc: string, rule: string, direction: string, startMillis: number): string {
  return `${sscc}:${rule}:${direction}:${startMillis}`;
}

/**
 * The deterministic id of a profile excursion: one per shipment, sensor, zone, rule and start. Sensor and zone
 * are identifiers (IDENTIFIER_PATTERN: no ':'), so the id parses back unambiguously.
 */
export function excursionKeyId(
  sscc: string,
  sensor: string,
  zone: string,
  rule: string,
  startMillis: number,
): string {
  return `${sscc}:${sensor}:${zone}:${rule}:${startMillis}`;
}

const iso = z.string().regex(ISO_MS_PATTERN, 'an ISO-8601 UTC time');
const id = z.string().regex(IDENTIFIER_PATTERN, 'an identifier');
const hex64 = z.string().regex(HEX64_PATTERN, '64 hex characters');
const seq = z.number().int().positive();
const sscc = z.string().refine(isSscc, 'an SSCC');
const txId = z.string().min(1);

export const deviceEntrySchema = z.object({
  id,
  org: id,
  publicKey: hex64,
  registeredAt: iso,
  status: z.literal('revoked').optional(),
  revokedAt: iso.optional(),
  reason: z.string().nullable().optional(),
}) satisfies z.ZodType<DeviceEntry>;

export const shipmentProfileSchema = z.object({
  id,
  lowerC: z.number(),
  upperC: z.number(),
  delayMinutes: z.number().nonnegative(),
  samplePeriodSeconds: z.number().positive(),
}) satisfies z.ZodType<ShipmentProfile>;

export const shipmentEntrySchema = z.object({
  sscc,
  device: id,
  custodian: id,
  origin: z.string(),
  destination: z.string(),
  product: z.string(),
  profile: shipmentProfileSchema,
  fromSeq: seq,
  // fromSeq - 1 (so 0 for a device's first shipment) when closed without readings.
  toSeq: z.number().int().nonnegative().nullable(),
  status: z.enum(['in-transit', 'completed']),
  createdAt: iso,
  completedAt: iso.nullable(),
  ordinal: seq.optional(),
  contents: z.array(shipmentItemSchema).optional(),
  profileSpec: z
    .custom<ColdChainProfile>(isNormalisedProfile, 'a normalised cold-chain profile (core profile.ts)')
    .optional(),
}) satisfies z.ZodType<ShipmentEntry>;

export const anchorEntrySchema = z.object({
  device: id,
  fromSeq: seq,
  toSeq: seq,
  root: hex64,
  count: seq,
  anchoredAt: iso,
  txId,
}) satisfies z.ZodType<AnchorEntry>;

export const excursionEntrySchema = z.object({
  sscc,
  id: z.string().min(1),
  rule: z.enum(EXCURSION_RULE_KINDS),
  direction: z.enum(['above', 'below']),
  limit: z.number(),
  start: iso,
  end: iso,
  durationMs: z.number().int().nonnegative(),
  maxValue: z.number(),
  recordedAt: iso,
  txId,
  sensor: id.optional(),
  measure: z.enum(EXCURSION_MEASURES).optional(),
  zone: id.optional(),
  inclusive: z.boolean().optional(),
  triggeredAt: iso.optional(),
  gapMs: z.number().int().nonnegative().optional(),
}) satisfies z.ZodType<ExcursionEntry>;

export const custodyEventSchema = z.object({
  sscc,
  action: z.enum(['created', 'completed', 'offered', 'accepted', 'rejected', 'withdrawn']),
  org: id,
  at: iso,
  txId,
  reason: z.string().nullable().optional(),
  to: id.optional(),
  from: id.optional(),
  location: z.string().optional(),
  eventTime: iso.nullable().optional(),
}) satisfies z.ZodType<CustodyEvent>;

export const provenanceViewSchema = z.object({
  shipment: shipmentEntrySchema,
  device: deviceEntrySchema,
  custody: z.array(custodyEventSchema),
  anchors: z.array(anchorEntrySchema),
  excursions: z.array(excursionEntrySchema),
  previous: shipmentEntrySchema.nullable(),
  next: shipmentEntrySchema.nullable(),
}) satisfies z.ZodType<ProvenanceView>;

export const anchoredUpToSchema = z.number().int().nonnegative();
