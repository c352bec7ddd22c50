import { canonicalJson } from '@coldtrail/core';
import type { ExcursionEntry, ShipmentEntry } from './ledger-types.js';
import type { Log } from './log.js';

/** An excursion the ledger now holds: `raised` the first time, `grown` when a running one was recorded again. */
export interface ExcursionAlarm {
  event: 'raised' | 'grown';
  shipment: ShipmentEntry;
  excursion: ExcursionEntry;
}

/** Told of every excursion ledger-sync records (the server publishes them on the device's `.../alarms`). */
export type ExcursionListener = (alarm: ExcursionAlarm) => void | Promise<void>;

export interface AnnounceExcursions {
  (shipment: ShipmentEntry, before: readonly ExcursionEntry[], after: readonly ExcursionEntry[]): void;
  /** Resolves once every listener call started so far has finished (close waits for it). */
  settled(): Promise<void>;
}

const details = ({ recordedAt, txId, ...e }: ExcursionEntry) => canonicalJson(e);

/**
 * Compares what the ledger held before a write with what it holds after and tells the listener of each new or
 * changed excursion. Never throws into the ledger path: an alarm that cannot go out is logged, the excursion is
 * on the ledger either way.
 */
export function excursionAnnouncer(listener: ExcursionListener | undefined, log: Log): AnnounceExcursions {
  const pending = new Set<Promise<void>>();
  const announce = (
    shipment: ShipmentEntry,
    before: readonly ExcursionEntry[],
    after: readonly ExcursionEntry[],
  ) => {
    if (!listener) return;
    const held = new Map(before.map((e) => [e.id, details(e)]));
    for (const excursion of after) {
      const prev = held.get(excursion.id);
      if (prev === details(excursion)) continue;
      const alarm: ExcursionAlarm = { event: prev === undefined ? 'raised' : 'grown', shipment, excursion };
      const call: Promise<void> = Promise.resolve()
        .then(() => listener(alarm))
        .catch((err: unknown) =>
          log.warn('excursion alarm not delivered', {
            sscc: shipment.sscc,
            id: excursion.id,
            error: String(err),
            hint: 'the excursion is recorded on the ledger; only the alarm message was lost',
          }),
        )
        .finally(() => pending.delete(call));
      pending.add(call);
    }
  };
  return Object.assign(announce, {
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  });
}
