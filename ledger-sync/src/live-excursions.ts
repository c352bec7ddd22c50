import { canonicalJson, isColdtrailError } from '@coldtrail/core';
import type { Anchorer } from './anchoring.js';
import type { AnnounceExcursions } from './excursion-alarms.js';
import { evaluateShipment } from './excursion-engine.js';
import type { LedgerClient } from './ledger-types.js';
import type { Log } from './log.js';
import type { ReadingStore } from './reading-store.js';

export interface LiveExcursionsOptions {
  ledger: Pick<LedgerClient, 'openShipment' | 'provenance' | 'recordExcursion'>;
  store: Pick<ReadingStore, 'records'>;
  anchorer: Pick<Anchorer, 'exclusive'>;
  log: Log;
  /** Told of each excursion recorded (the server's `.../alarms`). */
  announce?: AnnounceExcursions;
}

export interface LiveExcursions {
  /** New readings of the device were stored: evaluate its open shipment again (in the background). */
  notify(device: string): void;
  /** Stops taking notifications; work already queued still runs (the anchorer's close waits for it). */
  close(): void;
}

/**
 * Excursions are recorded on the ledger while the shipment is in transit, as soon as the readings show one
 * (DESIGN §4: an alarm does not wait for delivery), and again each time a running one grows. Once recorded,
 * an excursion can no longer be hidden by deleting the readings that show it from this node's store: the
 * verifier finds it on the ledger but not in the readings. Runs in the device's anchoring turn, so it never
 * races the completion (which fixes the final set) or an anchor, and is coalesced to one pending run per
 * device. A failure is logged; the next batch or the completion evaluates again.
 */
export function createLiveExcursions(options: LiveExcursionsOptions): LiveExcursions {
  const { ledger, store, anchorer, log, announce } = options;
  const pending = new Set<string>();
  let closed = false;

  const evaluate = async (device: string): Promise<void> => {
    const shipment = await ledger.openShipment(device);
    if (!shipment) return;
    const records = await store.records(device, shipment.fromSeq, Number.MAX_SAFE_INTEGER);
    const found = evaluateShipment(
      shipment,
      records.map((r) => r.record),
    );
    if (found.length === 0) return;
    const before = (await ledger.provenance(shipment.sscc))?.excursions ?? [];
    const held = new Map(before.map(({ recordedAt, txId, ...e }) => [e.id, canonicalJson(e)]));
    const written = [];
    for (const e of found) {
      if (held.get(e.id) === canonicalJson(e)) continue;
      written.push(await ledger.recordExcursion(e));
      log.warn('excursion recorded in transit', {
        sscc: e.sscc,
        id: e.id,
        direction: e.direction,
        start: e.start,
        end: e.end,
        maxValue: e.maxValue,
      });
    }
    announce?.(shipment, before, written);
  };

  return {
    notify(device) {
      if (closed || pending.has(device)) return;
      pending.add(device);
      anchorer
        .exclusive(device, () => {
          pending.delete(device);
          return evaluate(device);
        })
        .catch((err: unknown) => {
          pending.delete(device);
          const refused = isColdtrailError(err, 'CONFLICT') || isColdtrailError(err, 'INVALID_INPUT');
          log.error('in-transit excursion evaluation failed', {
            device,
            error: String(err),
            ...(refused ? { hint: 'the ledger refused it; the completion evaluates again' } : {}),
          });
        });
    },
    close() {
      closed = true;
    },
  };
}
