import {
  type ColdChainProfile,
  ColdtrailError,
  type DispositionStep,
  ErrorCode,
  type ImportedEventView,
  parseSscc,
  type ReadingKind,
  type ReadingRecord,
  shipmentRules,
} from '@coldtrail/core';
import { evaluateShipment } from './excursion-engine.js';
import { IMPORTED_LIMIT, importedEventsOf } from './imported-events.js';
import type { LedgerVerifyOptions } from './ledger/verify-report.js';
import type {
  CustodyEvent,
  DeviceEntry,
  LedgerClient,
  ProvenanceView,
  ShipmentEntry,
} from './ledger-types.js';
import { type MktSummary, mktSummary } from './provenance-mkt.js';
import type { ReadingStore, StoredRecord } from './reading-store.js';
import { type LedgerVerifier, rehash, type Verification, type VerificationCheck } from './verification.js';
import { verifyAnchors } from './verify-anchors.js';
import { verifyCustody } from './verify-custody.js';
import { compareExcursions, type ExcursionSummary } from './verify-excursions.js';
import { ledgerChecks } from './verify-ledger-checks.js';
import { verifyRange } from './verify-range.js';
import { verifyHashChain, verifySignatures } from './verify-readings.js';

export type { ExcursionSummary } from './verify-excursions.js';

/** What `coldtrail provenance` answers (JSON-friendly: plain data, ISO-8601 UTC times, °C). */
export interface ProvenanceReport {
  sscc: string;
  shipment: ShipmentEntry;
  device: DeviceEntry;
  custody: CustodyEvent[];
  /**
   * Device seqs of the shipment. In transit toSeq is the newest reading stored or anchored so far, never past
   * the start of the device's next shipment; fromSeq - 1 when there is none yet.
   */
  range: { fromSeq: number; toSeq: number; complete: boolean };
  readings: ReadingSummary;
  excursions: ExcursionSummary[];
  /**
   * The rules the shipment is judged by: its versioned profile, or for a shipment created before profiles the
   * profile its two limits amount to (core legacyProfile, URI urn:coldtrail:profile:legacy:<id>).
   */
  rules: ColdChainProfile;
  /** Mean kinetic temperature per sensor, re-derived from the verified readings; beside excursions, never instead. */
  mkt: MktSummary;
  /**
   * The shipment's (SSCC) current disposition on the ledger — quarantined at its first alarm, released or
   * rejected by a signed decision — or null when it has none; absent where the ledger face offers none.
   */
  disposition?: DispositionStep | null;
  /**
   * Partner EPCIS events imported on this ledger that name the SSCC (urn:epc:id:sscc:, imported-events.ts),
   * each with its document's hash, importer and recording time: a partner's claims, not verified readings (the
   * `ledger` check covers that they are what the import wrote). Absent where the ledger face offers none.
   */
  imported?: ImportedEventView[];
  anchors: {
    fromSeq: number;
    toSeq: number;
    root: string;
    count: number;
    txId: string;
    anchoredAt: string;
  }[];
  verification: Verification;
  /** What this answer cannot prove by itself (a single-node ledger's tail, readings not anchored yet, ...). */
  limits: string[];
}

export interface ReadingSummary {
  /** Temperature + humidity records stored by the ingest (faults not counted). */
  count: number;
  temperature: number;
  humidity: number;
  faults: number;
  /** Position, speed, door and clock-offset records (GPS, door contact), by kind; not in `count`. */
  other: Partial<Record<Exclude<ReadingKind, 'temperature' | 'humidity' | 'fault'>, number>>;
  firstTs: string | null;
  lastTs: string | null;
  minTemperatureC: number | null;
  maxTemperatureC: number | null;
}

export interface ProvenanceDeps {
  ledger: Pick<LedgerClient, 'provenance'> &
    Partial<Pick<LedgerClient, 'getDisposition' | 'listImportedEvents'>>;
  store: Pick<ReadingStore, 'batches' | 'records' | 'head'>;
  /** The ledger's own block-chain check; without one the `ledger` and `tip` checks are reported as skipped. */
  verifyLedger?: LedgerVerifier;
}

export interface ProvenanceOptions {
  /** A tip kept outside the ledger (`--expect-tip`): a number and hash, or a signed checkpoint. */
  expectTip?: Pick<LedgerVerifyOptions, 'expectTip' | 'checkpoint'>;
  /**
   * Handed the shipment's readings (its range, in seq order) as this answer read and verified them, for
   * renderings that draw them (the HTML trip report, EPCIS sensor reports); not part of the report itself.
   */
  onRecords?: (records: readonly ReadingRecord[]) => void;
}

/**
 * Custody, readings and excursions of a shipment, and a verification of every step (DESIGN §2.8): batch
 * signatures with the key on the ledger, each stored reading re-hashed from its fields and chained up to a
 * signed head, Merkle roots on the ledger against the stored readings, the range, custody order and
 * excursions re-derived from those readings against what the ledger states, the ledger's block chain, and
 * its tip against one kept elsewhere. Reads only.
 */
export async function provenance(
  deps: ProvenanceDeps,
  ssccInput: string,
  options: ProvenanceOptions = {},
): Promise<ProvenanceReport> {
  const sscc = parseSscc(ssccInput);
  const view = await lookUp(deps, sscc);
  const { shipment, device } = view;
  const id = shipment.device;
  const complete = shipment.status === 'completed' && shipment.toSeq !== null;
  const range = { fromSeq: shipment.fromSeq, toSeq: await rangeEnd(deps.store, view), complete };
  const some = range.toSeq >= range.fromSeq;
  const batches = some ? await deps.store.batches(id, range.fromSeq, range.toSeq) : [];
  const anchors = view.anchors.filter((a) => a.toSeq >= range.fromSeq && a.fromSeq <= range.toSeq);
  // One read of every record the answer needs (the range, and the parts of batches and anchors that reach
  // beyond it), and one hash of each: the hash-chain and anchor checks share them.
  let lo = range.fromSeq;
  let hi = range.toSeq;
  for (const r of [...batches, ...anchors]) {
    lo = Math.min(lo, r.fromSeq);
    hi = Math.max(hi, r.toSeq);
  }
  const records = some ? await deps.store.records(id, lo, hi) : [];
  const hashes = new Map(records.map((r) => [r.record.seq, rehash(r.record)]));
  const inRange = records.filter((r) => r.record.seq >= range.fromSeq && r.record.seq <= range.toSeq);
  options.onRecords?.(inRange.map((r) => r.record));
  const derived = evaluateShipment(
    shipment,
    inRange.map((r) => r.record),
  );
  const compared = compareExcursions(derived, view.excursions, complete);
  const rangeResult = await verifyRange(deps.store, view, range, inRange);
  // Read before the ledger check, so the evidence it verifies covers the disposition and imports too.
  const disposition = deps.ledger.getDisposition
    ? ((await deps.ledger.getDisposition({ sscc })) ?? null)
    : undefined;
  const { listImportedEvents } = deps.ledger;
  const imported = listImportedEvents
    ? await importedEventsOf({ listImportedEvents }, { kind: 'sscc', sscc })
    : undefined;
  const ledger = await ledgerChecks(deps.verifyLedger, options.expectTip);

  const checks: VerificationCheck[] = [
    guard('signatures', () => verifySignatures(id, device.publicKey, batches)),
    verifyHashChain(id, range, batches, records, hashes),
    await verifyAnchors(deps.store, id, range, anchors, complete, { records, hashes }),
    rangeResult.check,
    verifyCustody(shipment, device, view.custody),
    compared.check,
    ...ledger.checks,
  ];
  return {
    sscc,
    shipment,
    device,
    custody: view.custody,
    range,
    readings: summarize(inRange),
    excursions: compared.excursions,
    ...(disposition === undefined ? {} : { disposition }),
    ...(imported === undefined ? {} : { imported }),
    rules: shipmentRules(shipment),
    mkt: mktSummary(
      shipmentRules(shipment),
      inRange.map((r) => r.record),
    ),
    anchors: anchors.map(({ fromSeq, toSeq, root, count, txId, anchoredAt }) => ({
      fromSeq,
      toSeq,
      root,
      count,
      txId,
      anchoredAt,
    })),
    verification: { ok: checks.every((c) => c.ok), checks },
    limits: [
      ...limitsOf(range, anchors, rangeResult.late, id, ledger.limits),
      ...(imported?.length ? [IMPORTED_LIMIT] : []),
    ],
  };
}

/**
 * The last seq of the shipment: its toSeq once completed. In transit, the newest reading stored or anchored
 * (readings deleted from the store then show up as missing), but never into the device's next shipment.
 */
async function rangeEnd(store: Pick<ReadingStore, 'head'>, view: ProvenanceView): Promise<number> {
  const { shipment, next } = view;
  if (shipment.status === 'completed' && shipment.toSeq !== null) return shipment.toSeq;
  const upper = next ? next.fromSeq - 1 : Number.MAX_SAFE_INTEGER;
  const anchored = Math.max(0, ...view.anchors.map((a) => a.toSeq));
  const stored = (await store.head(shipment.device)).seq;
  return Math.min(upper, Math.max(shipment.fromSeq - 1, stored, anchored));
}

function limitsOf(
  range: ProvenanceReport['range'],
  anchors: readonly { toSeq: number }[],
  late: { fromSeq: number; toSeq: number; count: number } | null,
  device: string,
  ledgerLimits: readonly string[],
): string[] {
  const out = [...ledgerLimits];
  const anchoredTo = Math.max(range.fromSeq - 1, ...anchors.map((a) => a.toSeq));
  if (!range.complete) {
    out.push(
      anchoredTo < range.toSeq
        ? `in transit: readings ${device}#${anchoredTo + 1}-${range.toSeq} are not anchored on the ledger yet, so only this node holds them; excursions already recorded on the ledger cannot be removed with them, but readings of the last minutes can`
        : 'in transit: readings still to come can change this answer',
    );
  }
  if (late) {
    out.push(
      `${late.count} reading(s) ${device}#${late.fromSeq}-${late.toSeq} were taken during the shipment but arrived after its completion: they are not part of it`,
    );
  }
  return out;
}

function summarize(records: readonly StoredRecord[]): ReadingSummary {
  const s: ReadingSummary = {
    count: 0,
    temperature: 0,
    humidity: 0,
    faults: 0,
    other: {},
    firstTs: records[0]?.record.ts ?? null,
    lastTs: records.at(-1)?.record.ts ?? null,
    minTemperatureC: null,
    maxTemperatureC: null,
  };
  for (const { record: r } of records) {
    if (r.kind === 'fault') s.faults++;
    else if (r.kind === 'humidity') s.humidity++;
    else if (r.kind === 'temperature' && typeof r.value === 'number') {
      s.temperature++;
      s.minTemperatureC = Math.min(s.minTemperatureC ?? r.value, r.value);
      s.maxTemperatureC = Math.max(s.maxTemperatureC ?? r.value, r.value);
    } else if (r.kind !== 'temperature') s.other[r.kind] = (s.other[r.kind] ?? 0) + 1;
  }
  s.count = s.temperature + s.humidity;
  return s;
}

function guard(name: VerificationCheck['name'], run: () => VerificationCheck): VerificationCheck {
  try {
    return run();
  } catch (err) {
    return { name, ok: false, detail: `could not run: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The shipment as the ledger knows it. When the ledger has no such shipment or cannot answer, its own
 * integrity decides what that means: a broken ledger is CORRUPTED (a failed verification), not "unknown SSCC".
 */
async function lookUp(deps: ProvenanceDeps, sscc: string): Promise<ProvenanceView> {
  let view: ProvenanceView | undefined;
  try {
    view = await deps.ledger.provenance(sscc);
  } catch (err) {
    await failIfLedgerBroken(deps, err);
    throw err;
  }
  if (!view) {
    await failIfLedgerBroken(deps);
    throw new ColdtrailError(ErrorCode.NotFound, `shipment ${sscc} is not on the ledger: check the SSCC`);
  }
  return view;
}

async function failIfLedgerBroken(deps: ProvenanceDeps, cause?: unknown): Promise<void> {
  const [check] = (await ledgerChecks(deps.verifyLedger, undefined)).checks;
  if (check && !check.ok) {
    throw new ColdtrailError(ErrorCode.Corrupted, `the ledger failed verification: ${check.detail}`, {
      cause,
    });
  }
}
