import { type Clock, ColdtrailError, ErrorCode, parseSscc } from '@coldtrail/core';
import type { Anchorer } from './anchoring.js';
import {
  detectShipmentExcursions,
  type ExcursionInput,
  recordExcursions,
  toExcursionInputs,
} from './excursion-engine.js';
import type { LedgerClient, ShipmentEntry } from './ledger-types.js';
import type { Log } from './log.js';
import type { ReadingStore } from './reading-store.js';

export interface CompletionDeps {
  ledger: Pick<LedgerClient, 'getShipment' | 'completeShipment' | 'recordExcursion' | 'provenance'>;
  store: Pick<ReadingStore, 'head' | 'records' | 'saveEvaluation'>;
  anchorer: Pick<Anchorer, 'exclusive'>;
  clock: Clock;
  log: Log;
}

export interface CompletedShipment {
  shipment: ShipmentEntry;
  excursions: ExcursionInput[];
}

/**
 * Closes a shipment at device seq `toSeq`: anchors its readings up to toSeq (the last window partial),
 * evaluates the excursion rule over its temperature readings and records each excursion, then completes it
 * on the ledger (which refuses until the anchors are there). Every step is idempotent, so a failed completion
 * is simply run again.
 */
export async function completeShipment(
  deps: CompletionDeps,
  ssccInput: string,
  toSeq: number,
): Promise<CompletedShipment> {
  const sscc = parseSscc(ssccInput);
  const shipment = await deps.ledger.getShipment(sscc);
  if (!shipment) throw new ColdtrailError(ErrorCode.NotFound, `shipment ${sscc} is not on the ledger`);
  if (!Number.isSafeInteger(toSeq) || toSeq < shipment.fromSeq) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `toSeq must be an integer >= the shipment's fromSeq ${shipment.fromSeq} (got ${toSeq})`,
    );
  }
  if (shipment.status === 'completed' && shipment.toSeq !== toSeq) {
    throw new ColdtrailError(
      ErrorCode.Conflict,
      `shipment ${sscc} is already completed at #${shipment.toSeq}`,
    );
  }
  const stored = (await deps.store.head(shipment.device)).seq;
  if (stored < toSeq) {
    throw new ColdtrailError(
      ErrorCode.Conflict,
      `${shipment.device} is stored up to #${stored}; wait until its readings up to #${toSeq} arrive, then complete ${sscc}`,
    );
  }
  const { completed, excursions } = await deps.anchorer.exclusive(shipment.device, async (anchorPending) => {
    await anchorPending(toSeq);
    const records = await deps.store.records(shipment.device, shipment.fromSeq, toSeq);
    const found = detectShipmentExcursions(
      records.map((r) => r.record),
      shipment.profile,
    );
    const recorded = await recordExcursions(deps.ledger, sscc, toExcursionInputs(sscc, found));
    // Inside the device's anchoring turn: CompleteShipment reads the anchor head a new window would move.
    return { completed: await deps.ledger.completeShipment(sscc, toSeq), excursions: recorded };
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
  });
  return { shipment: completed, excursions };
}
