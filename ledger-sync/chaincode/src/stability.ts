import type {
  StabilityBudgetDefinition,
  StabilityBudgetPart,
  StabilityBudgetSignature,
  StabilityBudgetStatus,
  StabilityConsumption,
  StabilitySourceType,
  StabilitySubject,
} from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { caller, Role, requireRole } from './access.js';
import { conflict, forbidden, invalid } from './errors.js';
import { gtin } from './gs1.js';
import { stabilitySubject, subjectAttributes } from './quality-subjects.js';
import { verifiedBudgetSignature } from './signers.js';
import { carriersOf, isInside } from './stability-inheritance.js';
import { emit, listJson, pad, readJson, SEQ_WIDTH, txTime, writeJson } from './state.js';
import * as v from './validate.js';

/**
 * The stability budget of a product: the total time its stability data allows it between two temperatures over
 * its life (e.g. 120 h between 8 and 25 °C), and what shipments and excursions have consumed of it.
 *
 * Definitions are versioned per GTIN (`stabbudget/<gtin>/<version>`, newest version in `stabbudgethead/<gtin>`):
 * a redefinition is a new version, never an overwrite, and consumption records are never touched by it; the
 * answer uses the newest version's allowance. Only a caller with `coldtrail.role=quality` defines budgets, or
 * one whose request carries the valid electronic signature of a signer its org registered (`signer`,
 * `signature` over core stabilityBudgetStatement, meaning STABILITY_BUDGET_MEANING; signers.ts), which is then
 * stored with the version so a reader can check it again. After version 1 only its org (the product's owner
 * on this ledger) may define further versions. A retry (the same band and allowance as the newest version)
 * answers that version and writes nothing, signed or not.
 *
 * Consumption is one key per (subject, source): `stabuse/<subject>/<source type>/<source id>`, so there is no
 * running total to rewrite (no hot key), a retried submission finds its key and counts once, and a different
 * number of minutes for the same source is a CONFLICT. Any org may record consumption (the custodian's rules
 * engine does). The totals are summed over the subject's keys at query time.
 *
 * Inheritance (issue 9, "pallet -> case -> pack"): the answer for an SGTIN, a lot or a case SSCC also counts
 * what was recorded for each container that carried it (stability-inheritance.ts: a shipment whose declared
 * contents list it, or a container it was packed into, at any depth), under that container's {sscc, gtin}
 * subject, provided the consumption was recorded (its transaction time) while the subject was inside. A
 * consumption is recorded at shipment completion, so a pack unpacked before its pallet's shipment completed
 * does not inherit that shipment's time, and one packed in mid-way inherits all of it (the safe side).
 * Each source (shipment or excursion id) counts once for a subject however many paths bring it: where two
 * records of the same source reach it (its own and its pallet's, or a case's and its pallet's), the larger
 * counts and the others are listed with `notCounted: 'source-counted'`. `parts` lists every record that
 * reached the subject, own first, then by container SSCC and key, so a reader can redo the sum.
 */
export const stabilityKeys = {
  budget: (ctx: Context, g: string, version: number) =>
    ctx.stub.createCompositeKey('stabbudget', [g, pad(version, SEQ_WIDTH)]),
  head: (ctx: Context, g: string) => ctx.stub.createCompositeKey('stabbudgethead', [g]),
  use: (ctx: Context, s: StabilitySubject, type: string, id: string) =>
    ctx.stub.createCompositeKey('stabuse', [...subjectAttributes(s), type, id]),
};

interface BudgetHead {
  gtin: string;
  version: number;
  org: string;
}

const MAX_MINUTES = 100 * 365 * 24 * 60;
const SOURCE_TYPES = ['shipment', 'excursion'] as const satisfies readonly StabilitySourceType[];
// Excursion ids are `<sscc>:<rule>:<direction>:<start millis>`; shipment ids are SSCCs.
const SOURCE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function minutes(value: unknown, name: string, allowZero: boolean): number {
  const n = v.finite(value, name);
  if (n < 0 || (!allowZero && n === 0) || n > MAX_MINUTES) {
    invalid(`${name} must be ${allowZero ? '>= 0' : '> 0'} and at most ${MAX_MINUTES} minutes`);
  }
  return n;
}

const BUDGET_FIELDS = ['gtin', 'lowerC', 'upperC', 'allowedMinutes'] as const;
const SIGNED_FIELDS = ['signer', 'signature'] as const;

export async function defineStabilityBudget(ctx: Context, arg: string): Promise<StabilityBudgetDefinition> {
  const o = v.objectWith(v.jsonValue(arg, 'budget'), 'budget', BUDGET_FIELDS, SIGNED_FIELDS);
  const given = {
    gtin: gtin(o.gtin, 'gtin'),
    lowerC: v.finite(o.lowerC, 'lowerC'),
    upperC: v.finite(o.upperC, 'upperC'),
    allowedMinutes: minutes(o.allowedMinutes, 'allowedMinutes', true),
  };
  if (given.lowerC >= given.upperC) invalid('lowerC must be below upperC');
  if ('signer' in o !== 'signature' in o) {
    invalid('a signed budget needs both signer and signature (or neither, as a quality user)');
  }
  // A registered signer's valid signature stands in for the quality role (signers.ts), as on a release.
  let signed: { signer: string; signature: StabilityBudgetSignature } | undefined;
  if ('signer' in o) {
    const signer = v.identifier(o.signer, 'signer');
    signed = { signer, signature: await verifiedBudgetSignature(ctx, { ...given, signer }, o.signature) };
  }
  if (!signed) requireRole(ctx, Role.Quality, `defining the stability budget of GTIN ${given.gtin}`);
  const who = caller(ctx);
  const headKey = stabilityKeys.head(ctx, given.gtin);
  const head = await readJson<BudgetHead>(ctx, headKey);
  if (head && head.org !== who.msp) {
    forbidden(
      `the stability budget of GTIN ${given.gtin} is defined by ${head.org}; only it may define new versions`,
    );
  }
  if (head) {
    const latest = await readJson<StabilityBudgetDefinition>(
      ctx,
      stabilityKeys.budget(ctx, given.gtin, head.version),
    );
    if (
      latest &&
      latest.lowerC === given.lowerC &&
      latest.upperC === given.upperC &&
      latest.allowedMinutes === given.allowedMinutes
    ) {
      return latest; // a retry, or a redefinition that changes nothing
    }
  }
  const version = (head?.version ?? 0) + 1;
  const entry: StabilityBudgetDefinition = {
    ...given,
    version,
    definedBy: who,
    at: txTime(ctx).iso,
    txId: ctx.stub.getTxID(),
    ...signed,
  };
  await writeJson(ctx, stabilityKeys.budget(ctx, given.gtin, version), entry);
  await writeJson(ctx, headKey, { gtin: given.gtin, version, org: who.msp } satisfies BudgetHead);
  emit(ctx, 'StabilityBudgetDefined', entry);
  return entry;
}

async function latestBudget(ctx: Context, g: string): Promise<StabilityBudgetDefinition | undefined> {
  const head = await readJson<BudgetHead>(ctx, stabilityKeys.head(ctx, g));
  return head
    ? readJson<StabilityBudgetDefinition>(ctx, stabilityKeys.budget(ctx, g, head.version))
    : undefined;
}

export async function consumeStabilityBudget(ctx: Context, arg: string): Promise<StabilityConsumption> {
  const o = v.jsonObject(arg, 'consumption', ['subject', 'minutes', 'source']);
  const subject = stabilitySubject(o.subject);
  const used = minutes(o.minutes, 'minutes', false);
  const src = v.exactObject(o.source, 'source', ['type', 'id']);
  const type = v.oneOf(src.type, SOURCE_TYPES, 'source.type');
  if (typeof src.id !== 'string' || !SOURCE_ID.test(src.id)) {
    invalid('source.id must be 1-128 characters of letters, digits and . _ : - (an SSCC or an excursion id)');
  }
  const source = { type, id: src.id };
  if (type === 'shipment') v.sscc(source.id);
  const key = stabilityKeys.use(ctx, subject, type, source.id);
  const existing = await readJson<StabilityConsumption>(ctx, key);
  if (existing) {
    if (existing.minutes === used) return existing; // a retried submission counts once
    conflict(
      `${type} ${source.id} already consumed ${existing.minutes} min of this subject's budget (not ${used}); a source consumes once`,
    );
  }
  const budget = await latestBudget(ctx, subject.gtin);
  const entry: StabilityConsumption = {
    subject,
    minutes: used,
    source,
    budgetVersion: budget?.version ?? null,
    caller: caller(ctx),
    at: txTime(ctx).iso,
    txId: ctx.stub.getTxID(),
  };
  await writeJson(ctx, key, entry);
  emit(ctx, 'StabilityBudgetConsumed', entry);
  return entry;
}

/** The consumption records that reach a subject, own first, then by container SSCC, each in key order. */
async function reachingParts(ctx: Context, subject: StabilitySubject): Promise<StabilityBudgetPart[]> {
  const part = (u: StabilityConsumption, origin: StabilityBudgetPart['origin'], via: string[]) => ({
    origin,
    recordedFor: u.subject,
    via,
    source: u.source,
    minutes: u.minutes,
    at: u.at,
    txId: u.txId,
  });
  const out: StabilityBudgetPart[] = (
    await listJson<StabilityConsumption>(ctx, 'stabuse', subjectAttributes(subject))
  ).map((u) => ({ ...part(u, 'own', []), counted: true }));
  for (const c of await carriersOf(ctx, subject)) {
    const onIt = { sscc: c.sscc, gtin: subject.gtin };
    for (const u of await listJson<StabilityConsumption>(ctx, 'stabuse', subjectAttributes(onIt))) {
      const inside = isInside(c.inside, Date.parse(u.at));
      out.push({
        ...part(u, 'inherited', c.via),
        counted: inside,
        ...(inside ? {} : { notCounted: 'not-inside' }),
      });
    }
  }
  // One source counts once: the largest record of it (the first in the order above on a tie).
  const best = new Map<string, StabilityBudgetPart>();
  for (const p of out) {
    if (!p.counted) continue;
    const id = `${p.source.type}\u0000${p.source.id}`;
    const seen = best.get(id);
    if (!seen || p.minutes > seen.minutes) best.set(id, p);
  }
  const winners = new Set(best.values());
  return out.map((p) =>
    p.counted && !winners.has(p) ? { ...p, counted: false, notCounted: 'source-counted' as const } : p,
  );
}

export async function getStabilityBudget(ctx: Context, subjectArg: string): Promise<StabilityBudgetStatus> {
  const subject = stabilitySubject(v.jsonValue(subjectArg, 'subject'));
  const budget = (await latestBudget(ctx, subject.gtin)) ?? null;
  const parts = await reachingParts(ctx, subject);
  const counted = parts.filter((p) => p.counted);
  // Summed in a fixed order (own, then by container SSCC and key): the same float result on every peer.
  const consumedMinutes = counted.reduce((sum, p) => sum + p.minutes, 0);
  const allowedMinutes = budget ? budget.allowedMinutes : null;
  const remainingMinutes = allowedMinutes === null ? null : allowedMinutes - consumedMinutes;
  return {
    subject,
    budget,
    allowedMinutes,
    consumedMinutes,
    remainingMinutes,
    exceeded: remainingMinutes !== null && remainingMinutes < 0,
    consumptions: counted.length,
    parts,
  };
}
