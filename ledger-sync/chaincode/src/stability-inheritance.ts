import type { AggregationMembership, StabilitySubject } from '@coldtrail/core';
import type { Context } from 'fabric-contract-api';
import { childParts, MAX_DEPTH, membershipsOf } from './aggregation.js';
import { shipmentsWithLot, shipmentsWithSgtin } from './contents.js';
import { conflict } from './errors.js';

/**
 * The containers whose stability consumption a subject inherits (issue 9: a budget "inherited through
 * aggregation, pallet -> case -> pack"), each with the times the subject was inside it.
 *
 * - A shipment whose declared contents list the SGTIN or lot (contents.ts) held it for its whole life:
 *   inside always.
 * - A container the subject was packed into (aggregation.ts `aggmember` steps, kept for good) held it from
 *   each `aggregated` step until the next `disaggregated` step under that parent (open while still inside).
 * - Going up, the subject is inside an outer container while it is inside the inner one AND the inner one is
 *   inside the outer one (the intersection); a container reached by two paths holds it during the union.
 *
 * Times are the transactions' timestamps (Date.parse of the stored ISO strings, never the clock), so every
 * peer computes the same answer. Paths are walked breadth-first, shortest first, so `via` names a shortest
 * path; each path visits a container once and is at most MAX_DEPTH deep (aggregation refuses deeper nesting).
 */
export interface Interval {
  from: number;
  /** Exclusive; Infinity while the subject is still inside. */
  to: number;
}

export interface Carrier {
  sscc: string;
  /** The containers from the subject's innermost one out to sscc (a shortest path). */
  via: string[];
  inside: Interval[];
}

const ALWAYS: Interval[] = [{ from: -Infinity, to: Infinity }];
/** Bounds the work of one query on a pathological graph (many packings of the same items). */
const MAX_PATHS = 10_000;

function union(a: Interval[], b: Interval[]): Interval[] {
  const all = [...a, ...b].sort((x, y) => x.from - y.from || x.to - y.to);
  const out: Interval[] = [];
  for (const i of all) {
    const last = out.at(-1);
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}

function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (from < to) out.push({ from, to });
    }
  }
  return union(out, []);
}

export function isInside(inside: Interval[], millis: number): boolean {
  return inside.some((i) => i.from <= millis && millis < i.to);
}

/** Membership steps of one child grouped by parent: [aggregated, disaggregated) spans, in key order. */
function spansByParent(steps: AggregationMembership[]): Map<string, Interval[]> {
  const open = new Map<string, number>();
  const spans = new Map<string, Interval[]>();
  const add = (parent: string, i: Interval) => spans.set(parent, union(spans.get(parent) ?? [], [i]));
  for (const m of steps) {
    const t = Date.parse(m.at);
    if (m.action === 'aggregated') {
      if (!open.has(m.parent)) open.set(m.parent, t);
    } else {
      const from = open.get(m.parent);
      open.delete(m.parent);
      if (from !== undefined && from < t) add(m.parent, { from, to: t });
    }
  }
  for (const [parent, from] of open) add(parent, { from, to: Infinity });
  return spans;
}

function subjectParts(s: StabilitySubject): string[] {
  if ('sscc' in s) return childParts({ sscc: s.sscc });
  if ('lot' in s) return childParts({ gtin: s.gtin, lot: s.lot, quantity: 1 });
  return childParts({ gtin: s.gtin, serial: s.serial });
}

async function directShipments(ctx: Context, s: StabilitySubject): Promise<string[]> {
  if ('sscc' in s) return []; // shipments declare packs and lots, not containers
  return 'lot' in s ? shipmentsWithLot(ctx, s.gtin, s.lot) : shipmentsWithSgtin(ctx, s.gtin, s.serial);
}

/** Every container that carried the subject, sorted by SSCC, with when the subject was inside it. */
export async function carriersOf(ctx: Context, subject: StabilitySubject): Promise<Carrier[]> {
  const found = new Map<string, Carrier>();
  const reach = (sscc: string, via: string[], inside: Interval[]) => {
    const seen = found.get(sscc);
    if (seen) seen.inside = union(seen.inside, inside);
    else found.set(sscc, { sscc, via, inside });
  };
  for (const sscc of await directShipments(ctx, subject)) reach(sscc, [sscc], ALWAYS);
  const spansCache = new Map<string, Map<string, Interval[]>>();
  const spansOf = async (parts: string[]) => {
    const id = parts.join('\u0000');
    let spans = spansCache.get(id);
    if (!spans) {
      spans = spansByParent(await membershipsOf(ctx, parts));
      spansCache.set(id, spans);
    }
    return spans;
  };
  const own = 'sscc' in subject ? subject.sscc : undefined;
  let frontier: { parts: string[]; via: string[]; inside: Interval[] }[] = [
    { parts: subjectParts(subject), via: [], inside: ALWAYS },
  ];
  let paths = 0;
  for (let depth = 0; frontier.length > 0 && depth < MAX_DEPTH; depth++) {
    const next: typeof frontier = [];
    for (const { parts, via, inside } of frontier) {
      for (const [parent, spans] of await spansOf(parts)) {
        if (parent === own || via.includes(parent)) continue; // a cycle in the history: no new time
        const within = intersect(inside, spans);
        if (within.length === 0) continue;
        if (++paths > MAX_PATHS) conflict(`more than ${MAX_PATHS} aggregation paths lead to this subject`);
        const up = [...via, parent];
        reach(parent, up, within);
        next.push({ parts: childParts({ sscc: parent }), via: up, inside: within });
      }
    }
    frontier = next;
  }
  return [...found.values()].sort((a, b) => (a.sscc < b.sscc ? -1 : a.sscc > b.sscc ? 1 : 0));
}
