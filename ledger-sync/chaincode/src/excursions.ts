import { canonicalJson, type ExcursionEntry, excursionId, type ShipmentEntry } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { callerMsp, emit, keys, listJson, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

const EXCURSION_FIELDS = [
  'sscc',
  'id',
  'rule',
  'direction',
  'limit',
  'start',
  'end',
  'durationMs',
  'maxValue',
] as const;

export type ExcursionInput = Omit<ExcursionEntry, 'recordedAt' | 'txId'>;

/** Parses and checks one excursion (a transaction argument, or an element of a completion's set). */
export function parseExcursion(value: unknown, name: string): ExcursionInput {
  const e = v.exactObject(value, name, EXCURSION_FIELDS);
  const sscc = v.sscc(e.sscc);
  const rule = v.oneOf(e.rule, ['single-event'] as const, `${name}.rule`);
  const direction = v.oneOf(e.direction, ['above', 'below'] as const, `${name}.direction`);
  const startMillis = v.isoMillis(e.start, `${name}.start`);
  const endMillis = v.isoMillis(e.end, `${name}.end`);
  const input: ExcursionInput = {
    sscc,
    id: String(e.id),
    rule,
    direction,
    limit: v.finite(e.limit, `${name}.limit`),
    start: e.start as string,
    end: e.end as string,
    durationMs: v.nonNegativeInteger(e.durationMs, `${name}.durationMs`),
    maxValue: v.finite(e.maxValue, `${name}.maxValue`),
  };
  const expectedId = excursionId(sscc, rule, direction, startMillis);
  if (e.id !== expectedId) invalid(`${name}: id must be ${expectedId} (sscc:rule:direction:startMillis)`);
  if (endMillis < startMillis) invalid(`${name}: end must not be before start`);
  if (input.durationMs !== endMillis - startMillis) invalid(`${name}: durationMs must equal end - start`);
  const beyond = direction === 'above' ? input.maxValue > input.limit : input.maxValue < input.limit;
  if (!beyond) invalid(`${name}: maxValue must lie ${direction} the limit`);
  return input;
}

/**
 * An excursion recorded while the shipment is in transit may still be running: a later evaluation of more
 * readings finds it with the same start, a later end and a value at least as extreme. That — and only that —
 * may replace the recorded one; anything else under the same id contradicts what is on the ledger.
 */
function extends_(next: ExcursionInput, prev: ExcursionInput): boolean {
  const moreExtreme =
    next.direction === 'above' ? next.maxValue >= prev.maxValue : next.maxValue <= prev.maxValue;
  return next.limit === prev.limit && Date.parse(next.end) >= Date.parse(prev.end) && moreExtreme;
}

/**
 * Writes one excursion of `shipment` unless the ledger already holds exactly it. Returns the entry as it now
 * stands and whether this transaction wrote it. The caller has checked custody and the shipment's status.
 */
export async function putExcursion(
  ctx: Context,
  shipment: ShipmentEntry,
  input: ExcursionInput,
): Promise<{ entry: ExcursionEntry; written: boolean }> {
  const key = keys.excursion(ctx, input.sscc, Date.parse(input.start), input.rule, input.direction);
  const existing = await readJson<ExcursionEntry>(ctx, key);
  // Completion is final: afterwards only an identical retry still answers.
  if (!existing && shipment.status === 'completed') {
    conflict(`shipment ${input.sscc} is completed; no new excursions can be recorded against it`);
  }
  if (existing) {
    const { recordedAt, txId, ...stored } = existing;
    if (canonicalJson(stored) === canonicalJson(input)) return { entry: existing, written: false }; // a retry
    if (shipment.status === 'completed' || !extends_(input, stored)) {
      conflict(
        `excursion ${input.id} is already recorded with other details (ending ${stored.end}, extreme ${stored.maxValue}); a running excursion may only grow`,
      );
    }
  }
  const entry: ExcursionEntry = { ...input, recordedAt: txTime(ctx).iso, txId: ctx.stub.getTxID() };
  await writeJson(ctx, key, entry);
  return { entry, written: true };
}

/**
 * Records an excursion detected while the shipment is in transit (an alarm that must not wait for
 * completion: once on the ledger, deleting the readings that show it no longer hides it). Only the custodian
 * records; the id must be the deterministic one; recording the same excursion again is a no-op, a running one
 * may grow, and once the shipment is completed nothing new is accepted (its set is fixed by CompleteShipment).
 */
export async function recordExcursion(ctx: Context, excursionArg: string): Promise<ExcursionEntry> {
  const input = parseExcursion(v.jsonValue(excursionArg, 'excursion'), 'excursion');
  const shipment = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, input.sscc));
  if (!shipment) notFound(`shipment ${input.sscc} does not exist`);
  const org = callerMsp(ctx);
  if (shipment.custodian !== org) forbidden(`only the custodian ${shipment.custodian} may record excursions`);
  const { entry, written } = await putExcursion(ctx, shipment, input);
  if (written) emit(ctx, 'ExcursionRecorded', entry);
  return entry;
}

export async function listExcursions(ctx: Context, sscc: string): Promise<ExcursionEntry[]> {
  return listJson<ExcursionEntry>(ctx, 'excursion', [sscc]);
}
