import {
  type AggregationMembership,
  aggregationChildSchema,
  CBV_DISPOSITION,
  custodyEventSchema,
  type DispositionStep,
  dispenseEntrySchema,
  excursionEntrySchema,
  IDENTIFIER_PATTERN,
  ISO_MS_PATTERN,
  isSscc,
  type LedgerPage,
  type QualitySubject,
  receiptEntrySchema,
  type StabilityBudgetDefinition,
  type StabilityBudgetStatus,
  type StabilityConsumption,
  type StabilitySubject,
  shipmentEntrySchema,
} from '@coldtrail/core';
import { z } from 'zod';

/**
 * Schemas of the contract's answers about a lot or an SGTIN (QueryLot / QuerySgtin, chaincode trace.ts), its
 * disposition (GetDisposition / GetDispositionTrail, dispositions.ts) and its stability budget
 * (GetStabilityBudget, stability.ts). The ledger client checks every answer against them (ledger-client.ts):
 * a peer may run another chaincode version, or be hostile.
 */
const iso = z.string().regex(ISO_MS_PATTERN, 'an ISO-8601 UTC time');
const id = z.string().regex(IDENTIFIER_PATTERN, 'an identifier');
const sscc = z.string().refine(isSscc, 'an SSCC');
const gtin = z.string().regex(/^\d{14}$/, 'a GTIN-14');
const ai82 = z.string().min(1).max(20);
const txId = z.string().min(1);

export const aggregationMembershipSchema = z.object({
  child: aggregationChildSchema,
  parent: sscc,
  action: z.enum(['aggregated', 'disaggregated']),
  at: iso,
  txId,
}) satisfies z.ZodType<AggregationMembership>;

export const carrierViewSchema = z.object({
  sscc,
  /** From the item's innermost container out to the shipment. */
  path: z.array(sscc).min(1),
  shipment: shipmentEntrySchema,
  custody: z.array(custodyEventSchema),
  excursions: z.array(excursionEntrySchema),
});

export const traceViewSchema = z.object({
  gtin,
  lot: ai82.optional(),
  serial: ai82.optional(),
  shipments: z.array(carrierViewSchema),
  aggregation: z.array(aggregationMembershipSchema),
  receipts: z.array(receiptEntrySchema),
  dispenses: z.array(dispenseEntrySchema),
});

/** What the ledger knows of a lot or an SGTIN (chaincode trace.ts TraceView). */
export type TraceView = z.infer<typeof traceViewSchema>;
export type CarrierView = z.infer<typeof carrierViewSchema>;

export const qualitySubjectSchema = z.union([
  z.object({ gtin, lot: ai82 }).strict(),
  z.object({ sscc }).strict(),
  z.object({ gtin, serial: ai82 }).strict(),
]) satisfies z.ZodType<QualitySubject>;

const stabilitySubjectSchema = z.union([
  z.object({ gtin, lot: ai82 }).strict(),
  z.object({ sscc, gtin }).strict(),
  z.object({ gtin, serial: ai82 }).strict(),
]) satisfies z.ZodType<StabilitySubject>;

/** An electronic signature as the contract stores it (chaincode signers.ts). */
const signatureSchema = z.object({
  fullName: z.string(),
  org: id,
  meaning: z.string(),
  signedAt: iso,
  algorithm: z.literal('Ed25519'),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  value: z.string().regex(/^[0-9a-f]{128}$/),
});

const state = z.enum(['quarantined', 'released', 'rejected', 'destroyed']);
const caller = z.object({ msp: id, id: z.string(), cn: z.string() });

export const dispositionStepSchema = z.object({
  subject: qualitySubjectSchema,
  seq: z.number().int().positive(),
  action: z.enum(['quarantine', 'release', 'reject', 'destroy']),
  disposition: state,
  cbvDisposition: z.enum(Object.values(CBV_DISPOSITION) as [DispositionStep['cbvDisposition']]),
  previous: state.nullable(),
  reason: z.string().nullable(),
  signer: z.string(),
  caller,
  at: iso,
  txId,
  /** A signed decision's electronic signature (chaincode signers.ts); absent on unsigned steps. */
  signature: signatureSchema.optional(),
}) satisfies z.ZodType<DispositionStep>;

export const dispositionPageSchema = z.object({
  records: z.array(dispositionStepSchema),
  fetchedRecordsCount: z.number().int().nonnegative(),
  bookmark: z.string(),
}) satisfies z.ZodType<LedgerPage<DispositionStep>>;

export const stabilityBudgetDefinitionSchema = z.object({
  gtin,
  version: z.number().int().positive(),
  lowerC: z.number(),
  upperC: z.number(),
  allowedMinutes: z.number(),
  definedBy: caller,
  at: iso,
  txId,
  /** A signed definition's signer and signature (chaincode stability.ts); absent on a quality user's. */
  signer: id.optional(),
  signature: signatureSchema.optional(),
}) satisfies z.ZodType<StabilityBudgetDefinition>;

const stabilitySourceSchema = z.object({ type: z.enum(['shipment', 'excursion']), id: z.string() });

export const stabilityConsumptionSchema = z.object({
  subject: stabilitySubjectSchema,
  minutes: z.number(),
  source: stabilitySourceSchema,
  budgetVersion: z.number().int().positive().nullable(),
  caller,
  at: iso,
  txId,
}) satisfies z.ZodType<StabilityConsumption>;

export const stabilityBudgetStatusSchema = z.object({
  subject: stabilitySubjectSchema,
  budget: stabilityBudgetDefinitionSchema.nullable(),
  allowedMinutes: z.number().nullable(),
  consumedMinutes: z.number(),
  remainingMinutes: z.number().nullable(),
  exceeded: z.boolean(),
  consumptions: z.number().int().nonnegative(),
  parts: z
    .array(
      z.object({
        origin: z.enum(['own', 'inherited']),
        recordedFor: stabilitySubjectSchema,
        via: z.array(z.string()),
        source: stabilitySourceSchema,
        minutes: z.number(),
        at: iso,
        txId,
        counted: z.boolean(),
        notCounted: z.enum(['source-counted', 'not-inside']).optional(),
      }),
    )
    .optional(),
}) satisfies z.ZodType<StabilityBudgetStatus>;
