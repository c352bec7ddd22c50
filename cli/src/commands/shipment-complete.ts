import { notBefore, parseSscc } from '@coldtrail/core';
import { lockDataDir, openQuery, start as startLedgerSync } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { quietLog } from '../quiet-log.js';
import { createStatusLine } from '../status-line.js';

export interface ShipmentCompleteOptions {
  dataDir?: string;
  reason?: string;
  json?: boolean;
}

export const DEFAULT_REASON = 'closed by hand with coldtrail shipment complete';

/**
 * `coldtrail shipment complete <sscc>`: closes a shipment whose process died before it could (a kill -9, a
 * crash, a power cut), with the readings that were stored: it anchors them, evaluates the excursion rules
 * over them and completes the shipment on the ledger with that excursion set and the reason, as the
 * shipment's custodian (whose key this node holds). Takes the data dir's lock like every writer.
 */
export async function shipmentComplete(ssccInput: string, opts: ShipmentCompleteOptions): Promise<void> {
  const sscc = parseSscc(ssccInput);
  const reason = opts.reason ?? DEFAULT_REASON;
  const dataDir = resolveDataDir(opts.dataDir);
  const dir = existingLedgerSyncDir(dataDir);
  const lock = lockDataDir(dataDir);
  try {
    const { shipment, lastTs } = await current(dir, sscc);
    if (shipment.status === 'completed') {
      const msg = `shipment ${sscc} is already completed (at #${shipment.toSeq}, ${shipment.completedAt}); nothing to do`;
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ shipment, excursions: null, alreadyCompleted: true }, null, 2)}\n`,
        );
      else process.stdout.write(`${msg}\n`);
      return;
    }
    const status = createStatusLine(process.stderr, opts.json === true);
    status.update(
      0,
      `anchoring the stored readings of ${shipment.device}, evaluating excursions, completing ${sscc}`,
    );
    // Never dated before what the shipment already holds: its creation and its newest reading (a demo's
    // readings carry simulated, later times).
    const floor = Math.max(Date.parse(shipment.createdAt), lastTs === null ? 0 : Date.parse(lastTs) + 1);
    const ls = await startLedgerSync(
      { dataDir: dir, org: shipment.custodian, resumeAnchoring: false, liveExcursions: false },
      { log: quietLog, clock: notBefore(floor) },
    );
    try {
      const done = await ls.completeShipment(sscc, undefined, { reason });
      status.done();
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ shipment: done.shipment, excursions: done.excursions, reason }, null, 2)}\n`,
        );
      } else {
        const s = done.shipment;
        const readings = (s.toSeq ?? 0) - s.fromSeq + 1;
        process.stdout.write(
          `shipment ${sscc} completed at #${s.toSeq} (${readings > 0 ? `readings #${s.fromSeq}-#${s.toSeq}` : 'no readings'}), ` +
            `${done.excursions.length} excursion(s), reason: ${reason}\n` +
            `check it: coldtrail provenance ${sscc} --data-dir ${dataDir}\n`,
        );
      }
    } finally {
      await ls.close();
    }
  } finally {
    lock.release();
  }
}

/** The shipment as the ledger holds it, and the time of its device's newest stored reading. */
async function current(dir: string, sscc: string) {
  const query = await openQuery({ dataDir: dir });
  try {
    const shipment = await query.getShipment(sscc);
    if (!shipment) {
      throw new ExitError(
        Exit.NotFound,
        `shipment ${sscc} is not on the ledger: \`coldtrail shipment list\` shows them`,
      );
    }
    if (shipment.status === 'completed') return { shipment, lastTs: null };
    return { shipment, lastTs: (await query.newestReading(shipment.device))?.ts ?? null };
  } finally {
    await query.close();
  }
}
