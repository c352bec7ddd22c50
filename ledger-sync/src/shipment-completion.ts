import {
  type Clock,
  ColdtrailError,
  ErrorCode,
  parseSscc,
  type ReadingRecord,
  shipmentRules,
} from '@coldtrail/core';
import type { Anchorer } from './anchoring.js';
import type { AnnounceExcursions } from './excursion-alarms.js';
import { type ExcursionInput, evaluateShipment } from './excursion-engine.js';
import type { LedgerClient, ShipmentEntry } from './ledger-types.js';
import type { Log } from './log.js';
import type { ReadingStore } from './reading-store.js';
import { contentGtins, minutesInBand } from './stability-consumption.js';

export interface CompletionDeps {
  ledger: Pick<LedgerClient, 'getShipment' | 'completeShipment' | 'provenance'> &
    Partial<Pick<LedgerClient, 'getStabilityBudget' | 'consumeStabilityBudget'>>;
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
  const { completed, excursions, records } = await deps.anchorer.exclusive(
    shipment.device,
    async (anchorPending) => {
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
      return { completed: done, excursions: found, records: records.map((r) => r.record) };
    },
  );
  await consumeStability(deps, completed, records);
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

/**
 * Stability budgets (issue 9): for each GTIN of the shipment's declared contents that has a budget, the
 * minutes its readings spent inside the budget's band (stability-consumption.ts), recorded for the shipment's
 * {sscc, gtin} with source {shipment, sscc}; packs and lots inside inherit it on the ledger (contract
 * stability.ts). The contract keeps one record per source, so a retried completion records nothing new.
 * Skipped when the ledger client offers no stability calls; zero minutes record nothing (the contract
 * refuses 0).
 */
async function consumeStability(
  deps: CompletionDeps,
  shipment: ShipmentEntry,
  records: readonly ReadingRecord[],
): Promise<void> {
  const { getStabilityBudget, consumeStabilityBudget } = deps.ledger;
  if (!getStabilityBudget || !consumeStabilityBudget) return;
  for (const gtin of contentGtins(shipment.contents)) {
    const subject = { sscc: shipment.sscc, gtin };
    const { budget } = await getStabilityBudget(subject);
    if (!budget) continue;
    const minutes = minutesInBand(records, budget, shipmentRules(shipment).samplePeriodSeconds);
    if (minutes <= 0) continue;
    await consumeStabilityBudget({ subject, minutes, source: { type: 'shipment', id: shipment.sscc } });
    deps.log.info('stability budget consumed', {
      sscc: shipment.sscc,
      gtin,
      minutes,
      budgetVersion: budget.version,
    });
  }
}
