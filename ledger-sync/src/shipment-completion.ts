import { type Clock, ColdtrailError, ErrorCode, parseSscc } from '@coldtrail/core';
import type { Anchorer } from './anchoring.js';
import type { AnnounceExcursions } from './excursion-alarms.js';
import { type ExcursionInput, evaluateShipment } from './excursion-engine.js';
import type { LedgerClient, ShipmentEntry } from './ledger-types.js';
import type { Log } from './log.js';
import type { ReadingStore } from './reading-store.js';

export interface CompletionDeps {
  ledger: Pick<LedgerClient, 'getShipment' | 'completeShipment' | 'provenance'>;
  store: Pick<ReadingStore, 'head' | 'records' | 'saveEvaluation'>;
  anchorer: Pick<Anchorer, 'exclusive'>;
  clock: Clock;
  log: Log;
  /** Told of each excursion the completion records that the ledger did not hold yet (or held shorter). */
  announce?: AnnounceExcursions;
}

export interface CompletionOptions {
  /**
   * Last device seq of the shipment. Default: what is stored of the device now (the shipment closes with
   * the readings that arrived; a shipment that got none closes empty at fromSeq - 1).
   */
  toSeq?: number;
  /** Why the shipment is closed by hand (recorded with the completion on the ledger). */
  reason?: string;
}

export interface CompletedShipment {
  shipment: ShipmentEntry;
  excursions: ExcursionInput[];
}

/**
 * Closes a shipment: anchors its readings up to toSeq (the last window partial), evaluates the excursion
 * rule over them and completes the shipment on the ledger with that excursion set, in one transaction (the
 * contract refuses a set that drops an excursion recorded in transit, and anchors must be there first).
 * Every step is idempotent, so a failed completion is simply run again.
 */
export async function completeShipment(
  deps: CompletionDeps,
  ssccInput: string,
  options: CompletionOptions = {},
): Promise<CompletedShipment> {
  const sscc = parseSscc(ssccInput);
  const shipment = await deps.ledger.getShipment(sscc);
  if (!shipment) throw new ColdtrailError(ErrorCode.NotFound, `shipment ${sscc} is not on the ledger`);
  const stored = (await deps.store.head(shipment.device)).seq;
  const toSeq =
    options.toSeq ??
    (shipment.status === 'completed' && shipment.toSeq !== null
      ? shipment.toSeq // a retry
      : Math.max(stored, shipment.fromSeq - 1));
  if (!Number.isSafeInteger(toSeq) || toSeq < shipment.fromSeq - 1) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `toSeq must be an integer >= the shipment's fromSeq ${shipment.fromSeq} (or ${shipment.fromSeq - 1} to close it without readings); got ${toSeq}`,
    );
  }
  if (shipment.status === 'completed' && shipment.toSeq !== toSeq) {
    throw new ColdtrailError(
      ErrorCode.Conflict,
      `shipment ${sscc} is already completed at #${shipment.toSeq}`,
    );
  }
  if (stored < toSeq) {
    throw new ColdtrailError(
      ErrorCode.Conflict,
      `${shipment.device} is stored up to #${stored}; wait until its readings up to #${toSeq} arrive, then complete ${sscc}`,
    );
  }
  const reason = options.reason ?? null;
  const { completed, excursions } = await deps.anchorer.exclusive(shipment.device, async (anchorPending) => {
    const empty = toSeq < shipment.fromSeq;
    if (!empty) await anchorPending(toSeq);
    const records = empty ? [] : await deps.store.records(shipment.device, shipment.fromSeq, toSeq);
    const found = evaluateShipment(
      shipment,
      records.map((r) => r.record),
    );
    const before = deps.announce ? ((await deps.ledger.provenance(sscc))?.excursions ?? []) : [];
    // Inside the device's anchoring turn: CompleteShipment reads the anchor head a new window would move.
    const done = await deps.ledger.completeShipment(sscc, toSeq, { excursions: found, reason });
    if (deps.announce && found.length > 0) {
      deps.announce(done, before, (await deps.ledger.provenance(sscc))?.excursions ?? []);
    }
    return { completed: done, excursions: found };
  });
  await deps.store.saveEvaluation({
    sscc,
    device: shipment.device,
    fromSeq: shipment.fromSeq,
    toSeq,
    excursions: excursions.length,
    evaluatedAt: new Date(deps.clock.now()).toISOString(),
  });
  deps.log.info('shipment completed', {
    sscc,
    device: shipment.device,
    toSeq,
    excursions: excursions.length,
    ...(reason ? { reason } : {}),
  });
  return { shipment: completed, excursions };
}
