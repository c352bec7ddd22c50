import type { AggregationMembership, DispenseEntry, ReceiptEntry } from '@coldtrail/core';
import {
  ColdtrailError,
  type DispositionStep,
  describeGs1Subject,
  ErrorCode,
  type Gs1Subject,
  type ImportedEventView,
  type QualitySubject,
  type ShipmentItem,
  type StabilityBudgetStatus,
  toDigitalLink,
  toElementString,
  toLgtinUrn,
  toSgtinUrn,
} from '@coldtrail/core';
import { IMPORTED_LIMIT, importedEventsOf } from './imported-events.js';
import type { TraceView } from './ledger/subject-schemas.js';
import type { LedgerClient } from './ledger-types.js';
import {
  type ProvenanceDeps,
  type ProvenanceOptions,
  type ProvenanceReport,
  provenance,
} from './provenance.js';
import { type RecallScope, recallScope } from './recall-scope.js';
import type { VerificationCheck } from './verification.js';
import { ledgerChecks } from './verify-ledger-checks.js';

export type { RecallScope, RecallSite } from './recall-scope.js';

/**
 * Provenance of any GS1 subject (issue 9). An SSCC is a shipment: its answer is provenance() unchanged. An
 * SGTIN or a lot is answered through every shipment that carried it, directly (its declared contents) or
 * inside a case inside a pallet (aggregation, chaincode trace.ts): each shipment's full provenance report
 * (custody, readings, excursions, MKT, every check), the subject's disposition and its trail, its stability
 * budget, the receipts and dispenses, and its recall scope (recall-scope.ts). The answer verifies when every
 * shipment's report verifies. Reads only.
 *
 * Order matters for the embedded ledger: the lot-level queries run first and the shipments' reports after, so
 * the last report's `ledger` check (verify-evidence.ts) covers the state every earlier query of the answer read.
 */
export interface SubjectProvenanceDeps extends ProvenanceDeps {
  ledger: Pick<
    LedgerClient,
    | 'provenance'
    | 'queryLot'
    | 'querySgtin'
    | 'getDisposition'
    | 'getDispositionTrail'
    | 'getStabilityBudget'
    | 'listImportedEvents'
  >;
}

export type SubjectProvenanceOptions = ProvenanceOptions;

export type SubjectProvenanceReport = SsccProvenanceReport | ItemProvenanceReport;

export interface SsccProvenanceReport {
  kind: 'sscc';
  subject: Extract<Gs1Subject, { kind: 'sscc' }>;
  /** Exactly what `provenance(sscc)` answers. */
  report: ProvenanceReport;
  verification: { ok: boolean };
}

export interface ItemProvenanceReport {
  kind: 'sgtin' | 'lot';
  subject: Extract<Gs1Subject, { kind: 'sgtin' | 'lot' }>;
  /** The subject written in its other forms (EPC URI with a 7-digit company prefix: gs1-epc-uri.ts). */
  identifiers: { elementString: string; digitalLink: string; epc: string };
  /** Every shipment that carried the subject, by SSCC. */
  shipments: CarriedShipment[];
  /** The subject's (dis)aggregation steps: which containers it went into and out of. */
  aggregation: AggregationMembership[];
  receipts: ReceiptEntry[];
  /** Dispenses are recorded per lot: an SGTIN's answer lists none. */
  dispenses: DispenseEntry[];
  /** Expiry dates the shipments' lot lines declare for the subject (a lot's own; sorted). */
  expiries: string[];
  disposition: { current: DispositionStep | null; trail: DispositionStep[] };
  stabilityBudget: StabilityBudgetStatus;
  /**
   * Partner EPCIS events imported on this ledger naming the subject itself (an SGTIN's urn:epc:id:sgtin:, a
   * lot's class urn:epc:class:lgtin:; imported-events.ts): a partner's claims, who imported them and when, not
   * verified readings. Each shipment's report lists those naming its SSCC.
   */
  imported: ImportedEventView[];
  recallScope: RecallScope;
  /** ok = at least one shipment carried it and every shipment's report verifies. */
  verification: {
    ok: boolean;
    shipments: { sscc: string; ok: boolean; failed: VerificationCheck['name'][] }[];
  };
  /** What the answer cannot prove, from each shipment's report (deduplicated) and of its own. */
  limits: string[];
}

export interface CarriedShipment {
  sscc: string;
  /** From the subject's innermost container out to the shipment ([sscc] when declared in its contents). */
  path: string[];
  /** The shipment's declared contents lines of this subject (none when it rode inside a container). */
  lines: ShipmentItem[];
  /** The shipment's own (SSCC) disposition: a pack in a quarantined pallet is held with it. */
  disposition: DispositionStep | null;
  provenance: ProvenanceReport;
}

const TRAIL_PAGE = 1000;
/** A trail longer than this many pages is refused rather than read without end. */
const MAX_TRAIL_PAGES = 100;

export async function subjectProvenance(
  deps: SubjectProvenanceDeps,
  subject: Gs1Subject,
  options: SubjectProvenanceOptions = {},
): Promise<SubjectProvenanceReport> {
  if (subject.kind === 'sscc') {
    const report = await provenance(deps, subject.sscc, options);
    return { kind: 'sscc', subject, report, verification: { ok: report.verification.ok } };
  }
  const quality: QualitySubject =
    subject.kind === 'lot'
      ? { gtin: subject.gtin, lot: subject.lot }
      : { gtin: subject.gtin, serial: subject.serial };
  const trace =
    subject.kind === 'lot'
      ? await deps.ledger.queryLot(subject.gtin, subject.lot)
      : await deps.ledger.querySgtin(subject.gtin, subject.serial);
  const current = (await deps.ledger.getDisposition(quality)) ?? null;
  const trail = await dispositionTrail(deps, quality);
  const stabilityBudget = await deps.ledger.getStabilityBudget(quality);
  const imported = await importedEventsOf(deps.ledger, subject);
  if (trace.shipments.length === 0) await failIfLedgerBroken(deps);

  const shipments: CarriedShipment[] = [];
  for (const carrier of trace.shipments) {
    const disposition = (await deps.ledger.getDisposition({ sscc: carrier.sscc })) ?? null;
    shipments.push({
      sscc: carrier.sscc,
      path: carrier.path,
      lines: (carrier.shipment.contents ?? []).filter((item) => isLineOf(item, subject)),
      disposition,
      provenance: await provenance(deps, carrier.sscc, options),
    });
  }
  const perShipment = shipments.map((s) => ({
    sscc: s.sscc,
    ok: s.provenance.verification.ok,
    failed: s.provenance.verification.checks.filter((c) => !c.ok).map((c) => c.name),
  }));
  return {
    kind: subject.kind,
    subject,
    identifiers: {
      elementString: toElementString(subject),
      digitalLink: toDigitalLink(subject),
      epc:
        subject.kind === 'lot'
          ? toLgtinUrn(subject.gtin, subject.lot)
          : toSgtinUrn(subject.gtin, subject.serial),
    },
    shipments,
    aggregation: trace.aggregation,
    receipts: trace.receipts,
    dispenses: trace.dispenses,
    expiries: expiriesOf(trace, subject),
    disposition: { current, trail },
    stabilityBudget,
    imported,
    recallScope: recallScope(
      trace,
      shipments.map((s) => s.provenance),
    ),
    verification: { ok: perShipment.length > 0 && perShipment.every((s) => s.ok), shipments: perShipment },
    limits: limitsOf(subject, shipments, imported.length),
  };
}

function isLineOf(item: ShipmentItem, subject: Extract<Gs1Subject, { kind: 'sgtin' | 'lot' }>): boolean {
  if (item.gtin !== subject.gtin) return false;
  return subject.kind === 'lot'
    ? 'lot' in item && item.lot === subject.lot
    : 'serial' in item && item.serial === subject.serial;
}

function expiriesOf(trace: TraceView, subject: Gs1Subject): string[] {
  const out = new Set<string>();
  for (const c of trace.shipments) {
    for (const item of c.shipment.contents ?? []) {
      if (
        'expiry' in item &&
        subject.kind === 'lot' &&
        item.gtin === subject.gtin &&
        item.lot === subject.lot
      ) {
        out.add(item.expiry);
      }
    }
  }
  for (const r of trace.receipts) if (r.expiry !== undefined && subject.kind === 'lot') out.add(r.expiry);
  return [...out].sort();
}

async function dispositionTrail(
  deps: SubjectProvenanceDeps,
  subject: QualitySubject,
): Promise<DispositionStep[]> {
  const out: DispositionStep[] = [];
  let bookmark = '';
  for (let page = 0; page < MAX_TRAIL_PAGES; page++) {
    const p = await deps.ledger.getDispositionTrail(subject, TRAIL_PAGE, bookmark);
    out.push(...p.records);
    if (p.bookmark === '' || p.records.length === 0) return out;
    bookmark = p.bookmark;
  }
  throw new ColdtrailError(
    ErrorCode.Unavailable,
    `the disposition trail of ${JSON.stringify(subject)} is longer than ${MAX_TRAIL_PAGES * TRAIL_PAGE} steps; read it with GetDispositionTrail page by page`,
  );
}

function limitsOf(subject: Gs1Subject, shipments: readonly CarriedShipment[], imported: number): string[] {
  const out = new Set<string>();
  if (imported > 0) out.add(IMPORTED_LIMIT);
  if (shipments.length === 0) out.add(`no shipment on this ledger carried ${describeGs1Subject(subject)}`);
  for (const s of shipments) for (const l of s.provenance.limits) out.add(l);
  if (shipments.some((s) => s.path.length > 1)) {
    out.add(
      'a shipment that carried the subject inside a container is named by the aggregation its custodians recorded: the ledger cannot see a pack moved without one',
    );
  }
  return [...out];
}

/** No shipment carried it: that means "unknown" only on a ledger that verifies (as provenance.ts does). */
async function failIfLedgerBroken(deps: SubjectProvenanceDeps): Promise<void> {
  const [check] = (await ledgerChecks(deps.verifyLedger, undefined)).checks;
  if (check && !check.ok) {
    throw new ColdtrailError(ErrorCode.Corrupted, `the ledger failed verification: ${check.detail}`);
  }
}
