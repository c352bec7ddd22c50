import { ColdtrailError, ErrorCode, parseSscc } from '@coldtrail/core';
import { detectShipmentExcursions, excursionId } from './excursion-engine.js';
import type { CustodyEvent, DeviceEntry, LedgerClient, ShipmentEntry } from './ledger-types.js';
import type { ReadingStore, StoredRecord } from './reading-store.js';
import type { LedgerVerifier, Verification, VerificationCheck } from './verification.js';
import { verifyAnchors } from './verify-anchors.js';
import { verifyHashChain, verifySignatures } from './verify-readings.js';

/** What `coldtrail provenance` answers (JSON-friendly: plain data, ISO-8601 UTC times, °C). */
export interface ProvenanceReport {
  sscc: string;
  shipment: ShipmentEntry;
  device: DeviceEntry;
  custody: CustodyEvent[];
  /** Device seqs of the shipment; toSeq is the stored head while in transit. */
  range: { fromSeq: number; toSeq: number; complete: boolean };
  readings: ReadingSummary;
  excursions: ExcursionSummary[];
  anchors: {
    fromSeq: number;
    toSeq: number;
    root: string;
    count: number;
    txId: string;
    anchoredAt: string;
  }[];
  verification: Verification;
}

export interface ReadingSummary {
  /** Temperature + humidity records stored by the ingest (faults not counted). */
  count: number;
  temperature: number;
  humidity: number;
  faults: number;
  firstTs: string | null;
  lastTs: string | null;
  minTemperatureC: number | null;
  maxTemperatureC: number | null;
}

export interface ExcursionSummary {
  id: string;
  /**
   * True when the excursion is recorded on the ledger (the shipment is completed); false for one computed
   * from the readings stored so far while the shipment is in transit, so an open shipment never looks clean.
   */
  recorded: boolean;
  rule: string;
  direction: 'above' | 'below';
  limitC: number;
  start: string;
  end: string;
  durationMinutes: number;
  maxValue: number;
}

export interface ProvenanceDeps {
  ledger: Pick<LedgerClient, 'provenance' | 'anchors' | 'anchoredUpTo'>;
  store: Pick<ReadingStore, 'head' | 'batches' | 'records'>;
  /** The ledger's own block-chain check; without one the `ledger` check is reported as skipped. */
  verifyLedger?: LedgerVerifier;
}

/**
 * Custody, readings and excursions of a shipment, and a verification of every step (DESIGN §2.8): batch
 * signatures with the key on the ledger, each stored reading re-hashed from its fields and chained up to a
 * signed head, Merkle roots on the ledger against the stored readings, and the ledger's block chain.
 */
export async function provenance(deps: ProvenanceDeps, ssccInput: string): Promise<ProvenanceReport> {
  const sscc = parseSscc(ssccInput);
  const view = await lookUp(deps, sscc);
  const { shipment, device } = view;
  const id = shipment.device;
  const complete = shipment.status === 'completed' && shipment.toSeq !== null;
  // In transit the range runs to the newest reading we know of: the store's head, or further if the ledger
  // anchored more (readings deleted from the store together with its head row then show up as missing).
  const toSeq =
    shipment.toSeq ?? Math.max((await deps.store.head(id)).seq, await deps.ledger.anchoredUpTo(id));
  const range = { fromSeq: shipment.fromSeq, toSeq, complete };
  const batches = toSeq >= range.fromSeq ? await deps.store.batches(id, range.fromSeq, toSeq) : [];
  const lo = Math.min(range.fromSeq, ...batches.map((b) => b.fromSeq));
  const hi = Math.max(toSeq, ...batches.map((b) => b.toSeq));
  const records = hi >= lo ? await deps.store.records(id, lo, hi) : [];
  const inRange = records.filter((r) => r.record.seq >= range.fromSeq && r.record.seq <= toSeq);
  const anchors = toSeq >= range.fromSeq ? await deps.ledger.anchors(id, range.fromSeq, toSeq) : [];

  const checks: VerificationCheck[] = [
    guard('signatures', () => verifySignatures(id, device.publicKey, batches)),
    verifyHashChain(id, range, batches, records),
    await verifyAnchors(deps.store, id, range, anchors, complete),
    await ledgerCheck(deps.verifyLedger),
  ];
  return {
    sscc,
    shipment,
    device,
    custody: view.custody,
    range,
    readings: summarize(inRange),
    excursions: complete
      ? view.excursions.map((e) => ({ ...summaryOf(e, e.limit, e.durationMs, e.id), recorded: true }))
      : provisionalExcursions(sscc, inRange, shipment),
    anchors: anchors.map(({ fromSeq, toSeq, root, count, txId, anchoredAt }) => ({
      fromSeq,
      toSeq,
      root,
      count,
      txId,
      anchoredAt,
    })),
    verification: { ok: checks.every((c) => c.ok), checks },
  };
}

type SummaryFields = Omit<ExcursionSummary, 'recorded'>;

function summaryOf(
  e: { rule: string; direction: 'above' | 'below'; start: string; end: string; maxValue: number },
  limitC: number,
  durationMs: number,
  id: string,
): SummaryFields {
  return {
    id,
    rule: e.rule,
    direction: e.direction,
    limitC,
    start: e.start,
    end: e.end,
    durationMinutes: durationMs / 60_000,
    maxValue: e.maxValue,
  };
}

/** The rule run over the readings stored so far (DESIGN §4), for a shipment still in transit. */
function provisionalExcursions(
  sscc: string,
  records: readonly StoredRecord[],
  shipment: ShipmentEntry,
): ExcursionSummary[] {
  return detectShipmentExcursions(
    records.map((r) => r.record),
    shipment.profile,
  ).map((x) => {
    const e = { ...x, start: new Date(x.start).toISOString(), end: new Date(x.end).toISOString() };
    return { ...summaryOf(e, x.limit, x.durationMs, excursionId(sscc, x)), recorded: false };
  });
}

function summarize(records: readonly StoredRecord[]): ReadingSummary {
  const s: ReadingSummary = {
    count: 0,
    temperature: 0,
    humidity: 0,
    faults: 0,
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
    }
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
async function lookUp(deps: ProvenanceDeps, sscc: string) {
  let view: Awaited<ReturnType<ProvenanceDeps['ledger']['provenance']>>;
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
  const check = await ledgerCheck(deps.verifyLedger);
  if (!check.ok) {
    throw new ColdtrailError(ErrorCode.Corrupted, `the ledger failed verification: ${check.detail}`, {
      cause,
    });
  }
}

async function ledgerCheck(verifyLedger: LedgerVerifier | undefined): Promise<VerificationCheck> {
  if (!verifyLedger) {
    return {
      name: 'ledger',
      ok: true,
      skipped: true,
      detail: 'this ledger adapter offers no block-chain check',
    };
  }
  try {
    const result = await verifyLedger();
    const [first] = result.problems;
    if (result.ok && first === undefined) return { name: 'ledger', ok: true, detail: 'block chain intact' };
    const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : '';
    return {
      name: 'ledger',
      ok: false,
      detail: `${first ?? 'ledger verification failed'}${more}`,
      problems: result.problems.slice(0, 50),
    };
  } catch (err) {
    return { name: 'ledger', ok: false, detail: `ledger verification failed: ${String(err)}` };
  }
}
