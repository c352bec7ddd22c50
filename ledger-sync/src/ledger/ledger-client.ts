import {
  anchorEntrySchema,
  anchoredUpToSchema,
  ColdtrailError,
  canonicalJson,
  deviceEntrySchema,
  ErrorCode,
  excursionEntrySchema,
  provenanceViewSchema,
  shipmentEntrySchema,
} from '@coldtrail/core';
import type { z } from 'zod';
import type { LedgerPort } from '../ledger-port.js';
import type { AnchorEntry, ExcursionEntry, LedgerClient, ShipmentEntry } from '../ledger-types.js';
import { importedEventViewSchema, isImportedEventOf } from './epcis-import-schemas.js';
import {
  dispositionPageSchema,
  dispositionStepSchema,
  stabilityBudgetDefinitionSchema,
  stabilityBudgetStatusSchema,
  stabilityConsumptionSchema,
  traceViewSchema,
} from './subject-schemas.js';

/**
 * The typed face of the coldtrail contract over any LedgerPort (embedded or Fabric). Composite inputs go as
 * one canonical JSON argument, numbers as decimal strings; every answer is parsed and checked against its
 * schema, and answers that echo a request (the device registered, the window anchored) must echo it
 * exactly. Refusals by the contract arrive from the port as ColdtrailErrors with the contract's code.
 */
const decoder = new TextDecoder('utf-8', { fatal: true });

function decode<S extends z.ZodType>(fn: string, bytes: Uint8Array, s: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ColdtrailError(ErrorCode.InvalidInput, `the ledger's answer to ${fn} is not JSON`);
  }
  const parsed = s.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `the ledger's answer to ${fn} is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message}; is the deployed chaincode the coldtrail contract of this version?`,
    );
  }
  return parsed.data;
}

function expectEcho(fn: string, ok: boolean): void {
  if (!ok) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `the ledger's answer to ${fn} does not match the request`,
    );
  }
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

export function createLedgerClient(port: LedgerPort): LedgerClient {
  const submit = async <S extends z.ZodType>(fn: string, args: string[], s: S) =>
    decode(fn, (await port.submit(fn, args)).result, s);
  const evaluate = async <S extends z.ZodType>(fn: string, args: string[], s: S) =>
    decode(fn, await port.evaluate(fn, args), s);

  return {
    async registerDevice(device) {
      const entry = await submit('RegisterDevice', [device.id, device.publicKey], deviceEntrySchema);
      expectEcho('RegisterDevice', entry.id === device.id && entry.publicKey === device.publicKey);
      return entry;
    },
    async getDevice(id) {
      const entry = await evaluate('GetDevice', [id], deviceEntrySchema.nullable());
      if (entry) expectEcho('GetDevice', entry.id === id);
      return entry ?? undefined;
    },
    async revokeDevice(id, reason) {
      const entry = await submit('RevokeDevice', [id, reason ?? ''], deviceEntrySchema);
      expectEcho('RevokeDevice', entry.id === id && entry.status === 'revoked');
      return entry;
    },
    async createShipment(s) {
      const entry: ShipmentEntry = await submit('CreateShipment', [canonicalJson(s)], shipmentEntrySchema);
      const { custodian, toSeq, status, createdAt, completedAt, ordinal, ...given } = entry;
      expectEcho('CreateShipment', same(given, s));
      return entry;
    },
    async completeShipment(sscc, toSeq, closing) {
      const entry = await submit(
        'CompleteShipment',
        [sscc, String(toSeq), canonicalJson(closing)],
        shipmentEntrySchema,
      );
      expectEcho(
        'CompleteShipment',
        entry.sscc === sscc && entry.toSeq === toSeq && entry.status === 'completed',
      );
      return entry;
    },
    async getShipment(sscc) {
      const entry = await evaluate('GetShipment', [sscc], shipmentEntrySchema.nullable());
      if (entry) expectEcho('GetShipment', entry.sscc === sscc);
      return entry ?? undefined;
    },
    async openShipment(device) {
      const entry = await evaluate('OpenShipment', [device], shipmentEntrySchema.nullable());
      if (entry) expectEcho('OpenShipment', entry.device === device && entry.status === 'in-transit');
      return entry ?? undefined;
    },
    listShipments: () => evaluate('ListShipments', [], shipmentEntrySchema.array()),
    async anchorReadings(a) {
      const entry: AnchorEntry = await submit('AnchorReadings', [canonicalJson(a)], anchorEntrySchema);
      const { anchoredAt, txId, ...given } = entry;
      expectEcho('AnchorReadings', same(given, a));
      return entry;
    },
    anchoredUpTo: (device) => evaluate('AnchoredUpTo', [device], anchoredUpToSchema),
    async anchors(device, fromSeq, toSeq) {
      const list = await evaluate(
        'GetAnchors',
        [device, String(fromSeq), String(toSeq)],
        anchorEntrySchema.array(),
      );
      expectEcho(
        'GetAnchors',
        list.every((a) => a.device === device && a.toSeq >= fromSeq && a.fromSeq <= toSeq),
      );
      return list;
    },
    async recordExcursion(e) {
      const entry: ExcursionEntry = await submit('RecordExcursion', [canonicalJson(e)], excursionEntrySchema);
      const { recordedAt, txId, ...given } = entry;
      expectEcho('RecordExcursion', same(given, e));
      return entry;
    },
    async provenance(sscc) {
      const view = await evaluate('QueryProvenance', [sscc], provenanceViewSchema.nullable());
      if (view)
        expectEcho('QueryProvenance', view.shipment.sscc === sscc && view.device.id === view.shipment.device);
      return view ?? undefined;
    },
    async queryLot(gtin, lot) {
      const view = await evaluate('QueryLot', [gtin, lot], traceViewSchema);
      expectEcho('QueryLot', view.gtin === gtin.padStart(14, '0') && view.lot === lot);
      return view;
    },
    async querySgtin(gtin, serial) {
      const view = await evaluate('QuerySgtin', [gtin, serial], traceViewSchema);
      expectEcho('QuerySgtin', view.gtin === gtin.padStart(14, '0') && view.serial === serial);
      return view;
    },
    async getDisposition(subject) {
      const step = await evaluate(
        'GetDisposition',
        [canonicalJson(subject)],
        dispositionStepSchema.nullable(),
      );
      if (step) expectEcho('GetDisposition', same(step.subject, subject));
      return step ?? undefined;
    },
    async getDispositionTrail(subject, pageSize, bookmark) {
      const page = await evaluate(
        'GetDispositionTrail',
        [canonicalJson(subject), String(pageSize), bookmark],
        dispositionPageSchema,
      );
      expectEcho(
        'GetDispositionTrail',
        page.records.every((r) => same(r.subject, subject)),
      );
      return page;
    },
    async getStabilityBudget(subject) {
      const status = await evaluate(
        'GetStabilityBudget',
        [canonicalJson(subject)],
        stabilityBudgetStatusSchema,
      );
      expectEcho('GetStabilityBudget', same(status.subject, subject));
      return status;
    },
    async defineStabilityBudget(b) {
      const entry = await submit(
        'DefineStabilityBudget',
        [canonicalJson(b)],
        stabilityBudgetDefinitionSchema,
      );
      expectEcho('DefineStabilityBudget', entry.gtin === b.gtin && entry.allowedMinutes === b.allowedMinutes);
      return entry;
    },
    async consumeStabilityBudget(c) {
      const entry = await submit('ConsumeStabilityBudget', [canonicalJson(c)], stabilityConsumptionSchema);
      expectEcho(
        'ConsumeStabilityBudget',
        same(entry.subject, c.subject) && same(entry.source, c.source) && entry.minutes === c.minutes,
      );
      return entry;
    },
    async listImportedEvents(epc) {
      const list = await evaluate('ListImportedEvents', [epc], importedEventViewSchema.array());
      expectEcho(
        'ListImportedEvents',
        list.every((e) => isImportedEventOf(epc, e)),
      );
      return list;
    },
  };
}
