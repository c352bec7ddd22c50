import { notBefore, parseSscc, shipmentEntrySchema } from '@coldtrail/core';
import { openQuery } from '@coldtrail/ledger-sync';
import { z } from 'zod';
import { AdminOp } from '../admin/admin-protocol.js';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import { Exit, ExitError } from '../exit-codes.js';
import { withLocalOps } from '../operator/local-ops.js';
import type { CompleteResult } from '../operator/operator-ops.js';
import { throughServerOrLocal } from '../operator/through-server.js';
import { createStatusLine } from '../status-line.js';

export interface ShipmentCompleteOptions {
  dataDir?: string;
  reason?: string;
  json?: boolean;
}

export const DEFAULT_REASON = 'closed by hand with coldtrail shipment complete';

const completeResult = z.object({
  shipment: shipmentEntrySchema,
  excursions: z.array(z.unknown()).nullable(),
  reason: z.string().nullable(),
  alreadyCompleted: z.literal(true).optional(),
});

/**
 * `coldtrail shipment complete <sscc>`: anchors the shipment's stored readings, evaluates the excursion rules
 * over them and completes it on the ledger with that excursion set, as its custodian (whose key this node
 * holds) — what the demo does at the end of its trip (ledger-sync's completeShipment).
 * - While a server holds the data dir, through its admin socket: the server that carried the shipment
 *   closes it (no reason recorded unless --reason is given).
 * - Otherwise in this process, under the data dir's lock: a shipment whose process died before it could
 *   close it (a kill -9, a crash, a power cut) is closed with what was stored and a reason (default below).
 */
export async function shipmentComplete(ssccInput: string, opts: ShipmentCompleteOptions): Promise<void> {
  const sscc = parseSscc(ssccInput);
  const dataDir = resolveDataDir(opts.dataDir);
  const dir = existingLedgerSyncDir(dataDir);
  const status = createStatusLine(process.stderr, opts.json === true);
  const request = { op: AdminOp.CompleteShipment, args: { sscc, reason: opts.reason ?? null } } as const;
  const { result } = await throughServerOrLocal(dataDir, request, () =>
    completeHere(dir, dataDir, sscc, opts.reason ?? DEFAULT_REASON, (what) => status.update(0, what)),
  ).finally(() => status.done());
  print(completeResult.parse(result) as CompleteResult, sscc, dataDir, opts.json === true);
}

async function completeHere(
  dir: string,
  dataDir: string,
  sscc: string,
  reason: string,
  progress: (what: string) => void,
): Promise<CompleteResult> {
  const { shipment, lastTs } = await current(dir, sscc);
  if (shipment.status === 'completed')
    return { shipment, excursions: null, reason: null, alreadyCompleted: true };
  progress(`anchoring the stored readings of ${shipment.device}, evaluating excursions, completing ${sscc}`);
  // Never dated before what the shipment already holds: its creation and its newest reading (a demo's
  // readings carry simulated, later times).
  const floor = Math.max(Date.parse(shipment.createdAt), lastTs === null ? 0 : Date.parse(lastTs) + 1);
  return withLocalOps(
    dataDir,
    shipment.custodian,
    (ops) => ops.completeShipment({ sscc, reason }),
    notBefore(floor),
  );
}

function print(done: CompleteResult, sscc: string, dataDir: string, json: boolean): void {
  const s = done.shipment;
  if (done.alreadyCompleted) {
    if (json)
      process.stdout.write(
        `${JSON.stringify({ shipment: s, excursions: null, alreadyCompleted: true }, null, 2)}\n`,
      );
    else
      process.stdout.write(
        `shipment ${sscc} is already completed (at #${s.toSeq}, ${s.completedAt}); nothing to do\n`,
      );
    return;
  }
  if (json) {
    const out = { shipment: s, excursions: done.excursions, reason: done.reason };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const readings = (s.toSeq ?? 0) - s.fromSeq + 1;
  process.stdout.write(
    `shipment ${sscc} completed at #${s.toSeq} (${readings > 0 ? `readings #${s.fromSeq}-#${s.toSeq}` : 'no readings'}), ` +
      `${done.excursions?.length ?? 0} excursion(s)${done.reason ? `, reason: ${done.reason}` : ''}\n` +
      `check it: coldtrail provenance ${sscc} --data-dir ${dataDir}\n`,
  );
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
