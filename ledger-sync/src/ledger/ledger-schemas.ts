import { isSscc } from '@coldtrail/core';
import { z } from 'zod';

/**
 * Shapes of the contract's answers. A ledger response is outside input (a Fabric peer may run another
 * chaincode version or be hostile), so the typed client checks every answer against these before use.
 */
const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'an ISO-8601 UTC time');
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'an identifier');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 hex characters');
const seq = z.number().int().positive();
const sscc = z.string().refine(isSscc, 'an SSCC');
const txId = z.string().min(1);

export const deviceSchema = z.object({ id, org: id, publicKey: hex64, registeredAt: iso });

export const profileSchema = z.object({
  id,
  lowerC: z.number(),
  upperC: z.number(),
  delayMinutes: z.number().nonnegative(),
  samplePeriodSeconds: z.number().positive(),
});

export const shipmentSchema = z.object({
  sscc,
  device: id,
  custodian: id,
  origin: z.string(),
  destination: z.string(),
  product: z.string(),
  profile: profileSchema,
  fromSeq: seq,
  // fromSeq - 1 (so 0 for a device's first shipment) when closed without readings.
  toSeq: z.number().int().nonnegative().nullable(),
  status: z.enum(['in-transit', 'completed']),
  createdAt: iso,
  completedAt: iso.nullable(),
  ordinal: seq.optional(),
});

export const anchorSchema = z.object({
  device: id,
  fromSeq: seq,
  toSeq: seq,
  root: hex64,
  count: seq,
  anchoredAt: iso,
  txId,
});

export const excursionSchema = z.object({
  sscc,
  id: z.string().min(1),
  rule: z.literal('single-event'),
  direction: z.enum(['above', 'below']),
  limit: z.number(),
  start: iso,
  end: iso,
  durationMs: z.number().int().nonnegative(),
  maxValue: z.number(),
  recordedAt: iso,
  txId,
});

export const custodySchema = z.object({
  sscc,
  action: z.enum(['created', 'completed']),
  org: id,
  at: iso,
  txId,
  reason: z.string().nullable().optional(),
});

export const provenanceSchema = z.object({
  shipment: shipmentSchema,
  device: deviceSchema,
  custody: z.array(custodySchema),
  anchors: z.array(anchorSchema),
  excursions: z.array(excursionSchema),
  previous: shipmentSchema.nullable(),
  next: shipmentSchema.nullable(),
});

export const anchoredUpToSchema = z.number().int().nonnegative();
