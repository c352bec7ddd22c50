import { canonicalJson } from '@coldtrail/core';
import type { ExcursionListener } from './excursion-alarms.js';
import type { LedgerPort } from './ledger-port.js';
import type { ExcursionEntry } from './ledger-types.js';
import type { Log } from './log.js';

/** Who the ledger names as having decided an automatic quarantine (the org's certificate says which node). */
export const AUTO_QUARANTINE_SIGNER = 'coldtrail ledger-sync (automatic, on alarm)';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * An alarm puts the affected units in quarantine (issue 9, disposition workflow): when an excursion of a
 * shipment is first recorded, its SSCC is quarantined on the ledger with the excursion as the reason, unless it
 * is already quarantined (a second excursion changes nothing: the trail keeps the first reason) or destroyed.
 * A shipment released after review and then warm again goes back into quarantine. What the shipment carries
 * (its lots and SGTINs) is on hold through it: provenance of a pack shows the disposition of every shipment
 * that carried it. Release or rejection stays a person's signed decision; nothing here ever releases.
 * Best effort beside the excursion itself, which is on the ledger already: a failure is logged.
 */
export function autoQuarantine(port: Pick<LedgerPort, 'evaluate' | 'submit'>, log: Log): ExcursionListener {
  return async ({ event, shipment, excursion }) => {
    if (event !== 'raised') return;
    try {
      if (await quarantineShipment(port, shipment.sscc, excursion)) {
        log.warn('shipment quarantined on alarm', { sscc: shipment.sscc, excursion: excursion.id });
      }
    } catch (err) {
      log.error('automatic quarantine failed', {
        sscc: shipment.sscc,
        excursion: excursion.id,
        error: String(err),
        hint: `the excursion is on the ledger; quarantine by hand: coldtrail disposition quarantine ${shipment.sscc}`,
      });
    }
  };
}

async function quarantineShipment(
  port: Pick<LedgerPort, 'evaluate' | 'submit'>,
  sscc: string,
  excursion: ExcursionEntry,
): Promise<boolean> {
  const subject = canonicalJson({ sscc });
  const answer = decoder.decode(await port.evaluate('GetDisposition', [subject]));
  const current = (answer ? JSON.parse(answer) : null) as { disposition?: unknown } | null;
  if (current?.disposition === 'quarantined' || current?.disposition === 'destroyed') return false;
  const what = excursion.zone
    ? `${excursion.zone}/${excursion.rule} on ${excursion.sensor}`
    : `${excursion.rule} ${excursion.direction} ${excursion.limit}`;
  const reason = `excursion ${excursion.id} (${what}, from ${excursion.start})`;
  await port.submit('SetDisposition', [
    canonicalJson({
      subject: { sscc },
      action: 'quarantine',
      signer: AUTO_QUARANTINE_SIGNER,
      reason: reason.slice(0, 200),
    }),
  ]);
  return true;
}
