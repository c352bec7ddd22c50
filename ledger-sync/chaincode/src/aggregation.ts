import type {
  AggregationChild,
  AggregationEvent,
  AggregationMembership,
  ShipmentEntry,
} from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { conflict, forbidden, invalid } from './errors.js';
import * as gs1 from './gs1.js';
import { callerMsp, emit, keys, listJson, MILLIS_WIDTH, pad, readJson, txTime, writeJson } from './state.js';
import * as v from './validate.js';

/**
 * Aggregation (EPCIS 2.0 §7.4.3 AggregationEvent): child SSCCs (cases), SGTINs (packs) and class-level lot
 * quantities packed under a parent SSCC, and unpacked again at a site. A parent is a shipment (its custodian
 * may pack it) or a container SSCC that is no shipment: the first org to pack into an unknown container holds
 * it (`aggcontainer`), and while it sits under a parent its holder is that parent's. A child SSCC may not be a
 * shipment (a shipment has its own device and custody). An SSCC or SGTIN child is under at most one parent at
 * a time; lot quantities are class-level, so a lot may sit in many containers (one line per container).
 * Keys: `aggparent`[child...] the child's current parent; `aggchild`[parent, child...] a parent's current
 * children; `aggmember`[child..., parent, millis, txId] each membership step, kept for good so a trace finds
 * what once carried an item; `aggevent`[parent, millis, txId] the transaction itself.
 */
const MAX_CHILDREN = 1000;
/** Nesting deeper than pallet -> case -> inner case -> pack is refused, which bounds every walk. */
export const MAX_DEPTH = 8;

const AGG_FIELDS = ['children', 'location'] as const;
const AGG_OPTIONAL = ['eventTime'] as const;

export interface ContainerEntry {
  sscc: string;
  org: string;
  since: string;
}

interface ParentPointer {
  child: AggregationChild;
  parent: string;
  since: string;
  txId: string;
}

/** The key parts naming a child: ['sscc', sscc], ['sgtin', gtin, serial] or ['lot', gtin, lot]. */
export function childParts(c: AggregationChild): string[] {
  if ('sscc' in c) return ['sscc', c.sscc];
  if ('serial' in c) return ['sgtin', c.gtin, c.serial];
  return ['lot', c.gtin, c.lot];
}

export const aggKeys = {
  container: (ctx: Context, sscc: string) => ctx.stub.createCompositeKey('aggcontainer', [sscc]),
  parent: (ctx: Context, parts: string[]) => ctx.stub.createCompositeKey('aggparent', parts),
  child: (ctx: Context, parent: string, parts: string[]) =>
    ctx.stub.createCompositeKey('aggchild', [parent, ...parts]),
  member: (ctx: Context, parts: string[], parent: string, millis: number, txId: string) =>
    ctx.stub.createCompositeKey('aggmember', [...parts, parent, pad(millis, MILLIS_WIDTH), txId]),
  event: (ctx: Context, parent: string, millis: number, txId: string) =>
    ctx.stub.createCompositeKey('aggevent', [parent, pad(millis, MILLIS_WIDTH), txId]),
};

function parseChild(value: unknown, name: string, withQuantity: boolean): AggregationChild {
  const o = value as Record<string, unknown>;
  if (typeof value === 'object' && value !== null && 'sscc' in value) {
    return { sscc: v.sscc(v.exactObject(value, name, ['sscc']).sscc) };
  }
  if (typeof value === 'object' && value !== null && 'serial' in o) {
    const s = v.exactObject(value, name, ['gtin', 'serial']);
    return { gtin: gs1.gtin(s.gtin, `${name}.gtin`), serial: gs1.ai82(s.serial, `${name}.serial`, '21') };
  }
  const l = v.exactObject(value, name, withQuantity ? ['gtin', 'lot', 'quantity'] : ['gtin', 'lot']);
  const quantity = withQuantity ? l.quantity : 1;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
    invalid(`${name}.quantity must be an integer >= 1`);
  }
  return {
    gtin: gs1.gtin(l.gtin, `${name}.gtin`),
    lot: gs1.ai82(l.lot, `${name}.lot`, '10'),
    quantity,
  };
}

function parseRequest(arg: string, name: string, withQuantity: boolean, txMillis: number) {
  const o = v.objectWith(v.jsonValue(arg, name), name, AGG_FIELDS, AGG_OPTIONAL);
  if (!Array.isArray(o.children) || o.children.length === 0 || o.children.length > MAX_CHILDREN) {
    invalid(
      `${name}.children must be a list of 1-${MAX_CHILDREN} children ({"sscc"}, {"gtin","serial"} or {"gtin","lot"${withQuantity ? ',"quantity"' : ''}})`,
    );
  }
  const seen = new Set<string>();
  const children = o.children.map((c, i) => {
    const child = parseChild(c, `${name}.children[${i}]`, withQuantity);
    const id = childParts(child).join(' ');
    if (seen.has(id)) invalid(`${name}.children[${i}]: ${id} is listed twice`);
    seen.add(id);
    return child;
  });
  const { location } = gs1.sgln(o.location, `${name}.location`);
  return { children, location, eventTime: v.eventTime(o.eventTime, `${name}.eventTime`, txMillis) };
}

async function shipmentOf(ctx: Context, sscc: string): Promise<ShipmentEntry | undefined> {
  return readJson<ShipmentEntry>(ctx, keys.shipment(ctx, sscc));
}

/** The SSCCs above `sscc`, nearest first. */
export async function ancestors(ctx: Context, sscc: string): Promise<string[]> {
  const out: string[] = [];
  let at = sscc;
  for (;;) {
    const p = await readJson<ParentPointer>(ctx, aggKeys.parent(ctx, ['sscc', at]));
    if (!p) return out;
    if (out.length >= MAX_DEPTH) conflict(`container ${sscc} is nested deeper than ${MAX_DEPTH} levels`);
    out.push(p.parent);
    at = p.parent;
  }
}

/**
 * Who holds an SSCC: the custodian of its outermost shipment, else the holder recorded for the outermost
 * container; undefined for an SSCC nobody packed into yet.
 */
export async function holderOf(ctx: Context, sscc: string, chain?: string[]): Promise<string | undefined> {
  const up = chain ?? (await ancestors(ctx, sscc));
  const top = up.at(-1) ?? sscc;
  const shipment = await shipmentOf(ctx, top);
  if (shipment) return shipment.custodian;
  return (await readJson<ContainerEntry>(ctx, aggKeys.container(ctx, top)))?.org;
}

/** Packs children under a parent SSCC; only the parent's holder may. */
export async function aggregate(ctx: Context, parentArg: string, arg: string): Promise<AggregationEvent> {
  const parent = v.sscc(parentArg);
  const now = txTime(ctx);
  const req = parseRequest(arg, 'aggregation', true, now.millis);
  const org = callerMsp(ctx);
  const chain = await ancestors(ctx, parent);
  if (chain.length + 1 >= MAX_DEPTH)
    conflict(`parent ${parent} is already nested ${chain.length} levels deep`);
  const holder = await holderOf(ctx, parent, chain);
  if (holder !== undefined && holder !== org) {
    forbidden(`${parent} is held by ${holder}; only its holder (the custodian) may pack into it`);
  }
  const txId = ctx.stub.getTxID();
  const containersToClaim: string[] = holder === undefined ? [parent] : [];
  for (const [i, child] of req.children.entries()) {
    const where = `aggregation.children[${i}]`;
    const parts = childParts(child);
    if ('sscc' in child) {
      if (child.sscc === parent || chain.includes(child.sscc)) {
        conflict(`${where}: ${child.sscc} contains ${parent}; packing it inside would make a cycle`);
      }
      if (await shipmentOf(ctx, child.sscc)) {
        invalid(`${where}: ${child.sscc} is a shipment; only containers that are no shipment can be packed`);
      }
      const c = await readJson<ContainerEntry>(ctx, aggKeys.container(ctx, child.sscc));
      if (c && c.org !== org) forbidden(`${where}: container ${child.sscc} is held by ${c.org}`);
      if (!c) containersToClaim.push(child.sscc);
    }
    const key = 'lot' === parts[0] ? aggKeys.child(ctx, parent, parts) : aggKeys.parent(ctx, parts);
    const current = await readJson<ParentPointer | AggregationChild>(ctx, key);
    if (current) {
      const inside = 'parent' in current ? current.parent : parent;
      conflict(`${where}: ${parts.join(' ')} is already in ${inside}; disaggregate it there first`);
    }
  }
  for (const sscc of containersToClaim) {
    await writeJson(ctx, aggKeys.container(ctx, sscc), {
      sscc,
      org,
      since: now.iso,
    } satisfies ContainerEntry);
  }
  for (const child of req.children) {
    const parts = childParts(child);
    if (parts[0] !== 'lot') {
      await writeJson(ctx, aggKeys.parent(ctx, parts), {
        child,
        parent,
        since: now.iso,
        txId,
      } satisfies ParentPointer);
    }
    await writeJson(ctx, aggKeys.child(ctx, parent, parts), child);
    await writeJson(ctx, aggKeys.member(ctx, parts, parent, now.millis, txId), {
      child,
      parent,
      action: 'aggregated',
      at: now.iso,
      txId,
    } satisfies AggregationMembership);
  }
  return finish(ctx, { parent, action: 'aggregated', org, at: now.iso, txId, ...req }, now.millis);
}

/** Unpacks children from a parent SSCC at a site; only the parent's holder may. */
export async function disaggregate(ctx: Context, parentArg: string, arg: string): Promise<AggregationEvent> {
  const parent = v.sscc(parentArg);
  const now = txTime(ctx);
  const req = parseRequest(arg, 'disaggregation', false, now.millis);
  const org = callerMsp(ctx);
  const holder = await holderOf(ctx, parent);
  if (holder !== org) {
    forbidden(`${parent} is held by ${holder ?? 'nobody'}; only its holder (the custodian) may unpack it`);
  }
  const txId = ctx.stub.getTxID();
  const children: AggregationChild[] = [];
  for (const [i, child] of req.children.entries()) {
    const stored = await readJson<AggregationChild>(ctx, aggKeys.child(ctx, parent, childParts(child)));
    if (!stored)
      conflict(`disaggregation.children[${i}]: ${childParts(child).join(' ')} is not in ${parent}`);
    children.push(stored);
  }
  for (const child of children) {
    const parts = childParts(child);
    if (parts[0] !== 'lot') await ctx.stub.deleteState(aggKeys.parent(ctx, parts));
    await ctx.stub.deleteState(aggKeys.child(ctx, parent, parts));
    // An unpacked case is held by whoever unpacked it (the custodian of the parent at that site).
    if ('sscc' in child) {
      await writeJson(ctx, aggKeys.container(ctx, child.sscc), {
        sscc: child.sscc,
        org,
        since: now.iso,
      } satisfies ContainerEntry);
    }
    await writeJson(ctx, aggKeys.member(ctx, parts, parent, now.millis, txId), {
      child,
      parent,
      action: 'disaggregated',
      at: now.iso,
      txId,
    } satisfies AggregationMembership);
  }
  return finish(
    ctx,
    { parent, action: 'disaggregated', org, at: now.iso, txId, ...req, children },
    now.millis,
  );
}

async function finish(ctx: Context, event: AggregationEvent, millis: number): Promise<AggregationEvent> {
  await writeJson(ctx, aggKeys.event(ctx, event.parent, millis, event.txId), event);
  emit(ctx, event.action === 'aggregated' ? 'Aggregated' : 'Disaggregated', event);
  return event;
}

/** A container's current children. */
export async function childrenOf(ctx: Context, parent: string): Promise<AggregationChild[]> {
  return listJson<AggregationChild>(ctx, 'aggchild', [parent]);
}

/** Every item currently inside `sscc`, at any depth (SGTINs and lot quantities; cases are opened). */
export async function contentsInside(ctx: Context, sscc: string): Promise<AggregationChild[]> {
  const out: AggregationChild[] = [];
  const walk = async (at: string, depth: number): Promise<void> => {
    for (const c of await childrenOf(ctx, at)) {
      if ('sscc' in c) {
        if (depth < MAX_DEPTH) await walk(c.sscc, depth + 1);
      } else out.push(c);
    }
  };
  await walk(sscc, 0);
  return out;
}

/** Each membership step of a child (under any parent, ever). */
export async function membershipsOf(ctx: Context, parts: string[]): Promise<AggregationMembership[]> {
  return listJson<AggregationMembership>(ctx, 'aggmember', parts);
}

/** The (dis)aggregation transactions under a parent, in time order. */
export async function aggregationEvents(ctx: Context, parent: string): Promise<AggregationEvent[]> {
  return listJson<AggregationEvent>(ctx, 'aggevent', [parent]);
}
