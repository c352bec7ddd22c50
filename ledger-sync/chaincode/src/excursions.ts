import {
  canonicalJson,
  EXCURSION_MEASURES,
  EXCURSION_RULE_KINDS,
  type ExcursionEntry,
  excursionId,
  excursionKeyId,
  type ShipmentEntry,
} from '@coldtrail/core';
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
/** The fields of an excursion evaluated under a versioned profile (one per sensor, zone and rule). */
const PROFILE_FIELDS = ['sensor', 'measure', 'zone', 'inclusive', 'triggeredAt', 'gapMs'] as const;

export type ExcursionInput = Omit<ExcursionEntry, 'recordedAt' | 'txId'>;

/**
 * Parses and checks one excursion (a transaction argument, or an element of a completion's set). Two
 * generations: entries of shipments created before profiles (single-event, merged across sensors, id
 * sscc:rule:direction:start) and profile entries carrying every PROFILE_FIELDS field (id
 * sscc:sensor:zone:rule:start). Which one a shipment takes is checkShipmentExcursion's business.
 */
export function parseExcursion(value: unknown, name: string): ExcursionInput {
  const isProfileEntry = typeof value === 'object' && value !== null && 'sensor' in value;
  const e = v.exactObject(
    value,
    name,
    isProfileEntry ? [...EXCURSION_FIELDS, ...PROFILE_FIELDS] : EXCURSION_FIELDS,
  );
  const sscc = v.sscc(e.sscc);
  const rule = v.oneOf(
    e.rule,
    isProfileEntry ? EXCURSION_RULE_KINDS : (['single-event'] as const),
    `${name}.rule`,
  );
  const direction = v.oneOf(e.direction, ['above', 'below'] as const, `${name}.direction`);
  const startMillis = v.isoMillis(e.start, `${name}.start`);
  const endMillis = v.isoMillis(e.end, `${name}.end`);
  const base = {
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
  if (endMillis < startMillis) invalid(`${name}: end must not be before start`);
  if (!isProfileEntry) {
    const expectedId = excursionId(sscc, rule, direction, startMillis);
    if (e.id !== expectedId) invalid(`${name}: id must be ${expectedId} (sscc:rule:direction:startMillis)`);
    if (base.durationMs !== endMillis - startMillis) invalid(`${name}: durationMs must equal end - start`);
    const beyond = direction === 'above' ? base.maxValue > base.limit : base.maxValue < base.limit;
    if (!beyond) invalid(`${name}: maxValue must lie ${direction} the limit`);
    return base;
  }
  const input: ExcursionInput = {
    ...base,
    sensor: v.identifier(e.sensor, `${name}.sensor`),
    measure: v.oneOf(e.measure, EXCURSION_MEASURES, `${name}.measure`),
    zone: v.identifier(e.zone, `${name}.zone`),
    inclusive: v.boolean(e.inclusive, `${name}.inclusive`),
    triggeredAt: e.triggeredAt as string,
    gapMs: v.nonNegativeInteger(e.gapMs, `${name}.gapMs`),
  };
  const triggered = v.isoMillis(e.triggeredAt, `${name}.triggeredAt`);
  const expectedId = excursionKeyId(sscc, input.sensor as string, input.zone as string, rule, startMillis);
  if (e.id !== expectedId) invalid(`${name}: id must be ${expectedId} (sscc:sensor:zone:rule:startMillis)`);
  const span = endMillis - startMillis;
  // Cumulative time beyond counts the runs beyond only, never the time back within limits between them.
  if (rule === 'cumulative' ? base.durationMs > span : base.durationMs !== span) {
    invalid(`${name}: durationMs must ${rule === 'cumulative' ? 'not exceed' : 'equal'} end - start`);
  }
  if ((input.gapMs as number) > span) invalid(`${name}: gapMs must not exceed end - start`);
  if (triggered < startMillis || triggered > endMillis) {
    invalid(`${name}: triggeredAt must lie between start and end`);
  }
  const beyond =
    direction === 'above'
      ? base.maxValue > base.limit || (input.inclusive === true && base.maxValue === base.limit)
      : base.maxValue < base.limit || (input.inclusive === true && base.maxValue === base.limit);
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
  // What describes the excursion (the zone, its limit, when it triggered) stays; what it measured may grow.
  const { end: _e, durationMs: _d, maxValue: _m, gapMs: _g, ...fixedNext } = next;
  const { end: _pe, durationMs: _pd, maxValue: _pm, gapMs: _pg, ...fixedPrev } = prev;
  return (
    canonicalJson(fixedNext) === canonicalJson(fixedPrev) &&
    Date.parse(next.end) >= Date.parse(prev.end) &&
    next.durationMs >= prev.durationMs &&
    moreExtreme
  );
}

/**
 * Writes one excursion of `shipment` unless the ledger already holds exactly it. Returns the entry as it now
 * stands and whether this transaction wrote it. The caller has checked custody and the shipment's status.
 */
/**
 * An excursion must be one the shipment's rules can produce: a shipment under a versioned profile takes profile
 * excursions of one of its zones (same measure, direction, limit and inclusiveness) and one of that zone's alarm
 * rules; a shipment created before profiles takes the older single-event entries only.
 */
export function checkAgainstRules(shipment: ShipmentEntry, input: ExcursionInput): void {
  const spec = shipment.profileSpec;
  if (!spec) {
    if (input.sensor !== undefined) {
      invalid(`shipment ${shipment.sscc} has no versioned profile; its excursions carry no sensor or zone`);
    }
    return;
  }
  if (input.sensor === undefined) {
    invalid(`shipment ${shipment.sscc} is judged by ${spec.uri}: each excursion names its sensor and zone`);
  }
  const zone = spec.zones.find((z) => z.id === input.zone);
  if (!zone) invalid(`excursion ${input.id}: ${spec.uri} has no zone ${input.zone}`);
  const same =
    zone.measure === input.measure &&
    zone.direction === input.direction &&
    zone.limit === input.limit &&
    zone.inclusive === input.inclusive;
  if (!same) {
    invalid(
      `excursion ${input.id}: zone ${zone.id} of ${spec.uri} is ${zone.measure} ${zone.direction} ${zone.limit}${zone.inclusive ? ' inclusive' : ''}`,
    );
  }
  if (!zone.alarms.some((a) => a.kind === input.rule)) {
    invalid(`excursion ${input.id}: zone ${zone.id} of ${spec.uri} has no ${input.rule} alarm`);
  }
}

export async function putExcursion(
  ctx: Context,
  shipment: ShipmentEntry,
  input: ExcursionInput,
): Promise<{ entry: ExcursionEntry; written: boolean }> {
  checkAgainstRules(shipment, input);
  const key = keys.excursion(ctx, input);
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
