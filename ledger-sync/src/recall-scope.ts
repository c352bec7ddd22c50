import { gs1CheckDigit } from '@coldtrail/core';
import type { TraceView } from './ledger/subject-schemas.js';
import type { ProvenanceReport } from './provenance.js';

/**
 * The recall scope of a lot (or an SGTIN): everything a recall has to reach. Every SSCC it travelled in
 * (the shipments, and the cases between them and the item), every site it was at (the shipments' origins and
 * destinations, where custody changed hands, where it was received and dispensed), and every org that held
 * it (created or accepted a shipment carrying it, is its custodian now, received or dispensed it). An org
 * that was offered a shipment and refused it never held it and is not in scope. Sorted, each once.
 */
export interface RecallScope {
  ssccs: { sscc: string; role: 'shipment' | 'container' }[];
  sites: RecallSite[];
  custodians: string[];
}

export type SiteRole = 'origin' | 'destination' | 'custody' | 'receipt' | 'dispense';

export interface RecallSite {
  /** The location as the ledger states it (an SGLN, a GLN-13, or free text on shipments). */
  location: string;
  /**
   * Its key: the GLN-13, plus `.extension` when not 0 (GS1 TDS §6.3.3), so an SGLN and its bare GLN are one
   * site; null for free text.
   */
  site: string | null;
  roles: SiteRole[];
  /** The shipments that were at this site. */
  ssccs: string[];
}

/** `urn:epc:id:sgln:<prefix>.<ref>.<ext>` or a GLN-13 -> GLN-13[.ext]; null otherwise. */
export function siteKey(location: string): string | null {
  if (/^\d{13}$/.test(location)) return location;
  const m = /^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.(.+)$/.exec(location);
  if (!m || (m[1] ?? '').length + (m[2] ?? '').length !== 12) return null;
  const body = `${m[1]}${m[2]}`;
  const gln = `${body}${gs1CheckDigit(body)}`;
  return m[3] === '0' ? gln : `${gln}.${m[3]}`;
}

export function recallScope(trace: TraceView, reports: readonly ProvenanceReport[]): RecallScope {
  const ssccs = new Map<string, 'shipment' | 'container'>();
  const sites = new Map<
    string,
    { location: string; site: string | null; roles: Set<SiteRole>; ssccs: Set<string> }
  >();
  const custodians = new Set<string>();
  const at = (location: string | undefined, role: SiteRole, sscc: string | undefined) => {
    if (location === undefined || location === '') return;
    const site = siteKey(location);
    const key = site ?? `text:${location}`;
    const entry = sites.get(key) ?? { location, site, roles: new Set<SiteRole>(), ssccs: new Set<string>() };
    entry.roles.add(role);
    if (sscc !== undefined) entry.ssccs.add(sscc);
    sites.set(key, entry);
  };

  for (const c of trace.shipments) {
    ssccs.set(c.sscc, 'shipment');
    for (const p of c.path) if (!ssccs.has(p)) ssccs.set(p, 'container');
    at(c.shipment.origin, 'origin', c.sscc);
    at(c.shipment.destination, 'destination', c.sscc);
    custodians.add(c.shipment.custodian);
    for (const e of c.custody) {
      at(e.location, 'custody', c.sscc);
      if (e.action === 'created' || e.action === 'accepted') custodians.add(e.org);
    }
  }
  for (const m of trace.aggregation) if (!ssccs.has(m.parent)) ssccs.set(m.parent, 'container');
  for (const r of trace.receipts) {
    at(r.location, 'receipt', r.sscc);
    custodians.add(r.org);
  }
  for (const d of trace.dispenses) {
    at(d.location, 'dispense', undefined);
    custodians.add(d.org);
  }
  // The custody the verifier saw (the same events; a report read later may hold a newer hand-over).
  for (const r of reports) for (const e of r.custody) if (e.action === 'accepted') custodians.add(e.org);

  const byKey = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    ssccs: byKey(ssccs).map(([sscc, role]) => ({ sscc, role })),
    sites: byKey(sites).map(([, s]) => ({
      location: s.location,
      site: s.site,
      roles: [...s.roles].sort(),
      ssccs: [...s.ssccs].sort(),
    })),
    custodians: [...custodians].sort(),
  };
}
