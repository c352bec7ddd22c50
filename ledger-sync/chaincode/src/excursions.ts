import type { Context } from 'fabric-contract-api';
import type { ExcursionEntry, ShipmentEntry } from './entries.js';
import { conflict, forbidden, invalid, notFound } from './errors.js';
import { callerMsp, emit, keys, listJson, readJson, stableJson, txTime, writeJson } from './state.js';
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

type ExcursionInput = Omit<ExcursionEntry, 'recordedAt' | 'txId'>;

/** The deterministic id: the same excursion detected twice (a restart, a retry) gets the same id. */
export function excursionId(sscc: string, rule: string, direction: string, startMillis: number): string {
  return `${sscc}:${rule}:${direction}:${startMillis}`;
}

/**
 * Records a detected excursion against a shipment. Only the custodian records; the id must be the
 * deterministic one; recording the same excursion again is a no-op and a different one under that id is
 * refused, as is any new excursion once the shipment is completed.
 */
export async function recordExcursion(ctx: Context, excursionArg: string): Promise<ExcursionEntry> {
  const e = v.jsonObject(excursionArg, 'excursion', EXCURSION_FIELDS);
  const sscc = v.sscc(e.sscc);
  const rule = v.oneOf(e.rule, ['single-event'] as const, 'rule');
  const direction = v.oneOf(e.direction, ['above', 'below'] as const, 'direction');
  const startMillis = v.isoMillis(e.start, 'start');
  const endMillis = v.isoMillis(e.end, 'end');
  const input: ExcursionInput = {
    sscc,
    id: String(e.id),
    rule,
    direction,
    limit: v.finite(e.limit, 'limit'),
    start: e.start as string,
    end: e.end as string,
    durationMs: v.nonNegativeInteger(e.durationMs, 'durationMs'),
    maxValue: v.finite(e.maxValue, 'maxValue'),
  };
  const expectedId = excursionId(sscc, rule, direction, startMillis);
  if (e.id !== expectedId) invalid(`id must be ${expectedId} (sscc:rule:direction:startMillis)`);
  if (endMillis < startMillis) invalid('end must not be before start');
  if (input.durationMs !== endMillis - startMillis) invalid('durationMs must equal end - start');

  const shipment = await readJson<ShipmentEntry>(ctx, keys.shipment(ctx, sscc));
  if (!shipment) notFound(`shipment ${sscc} does not exist`);
  const org = callerMsp(ctx);
  if (shipment.custodian !== org) forbidden(`only the custodian ${shipment.custodian} may record excursions`);

  const key = keys.excursion(ctx, sscc, startMillis, rule, direction);
  const existing = await readJson<ExcursionEntry>(ctx, key);
  if (existing) {
    const { recordedAt, txId, ...stored } = existing;
    if (stableJson(stored) === stableJson(input)) return existing; // a retry
    conflict(`excursion ${expectedId} is already recorded with other details`);
  }
  // Completion is final: the excursions a shipment is judged by are those recorded before CompleteShipment
  // (ledger-sync records them first). Only the identical-retry no-op above still answers afterwards.
  if (shipment.status === 'completed') {
    conflict(`shipment ${sscc} is completed; no new excursions can be recorded against it`);
  }
  const entry: ExcursionEntry = { ...input, recordedAt: txTime(ctx).iso, txId: ctx.stub.getTxID() };
  await writeJson(ctx, key, entry);
  emit(ctx, 'ExcursionRecorded', entry);
  return entry;
}

export async function listExcursions(ctx: Context, sscc: string): Promise<ExcursionEntry[]> {
  return listJson<ExcursionEntry>(ctx, 'excursion', [sscc]);
}
