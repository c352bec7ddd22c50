import { openQuery } from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';

export interface ShipmentListOptions {
  dataDir?: string;
  open?: boolean;
  json?: boolean;
}

/**
 * `coldtrail shipment list`: the shipments on the ledger, oldest first; `--open` only those in transit (a
 * shipment whose process died stays in transit until `coldtrail shipment complete`). Reads only.
 */
export async function shipmentList(opts: ShipmentListOptions): Promise<void> {
  const dir = existingLedgerSyncDir(resolveDataDir(opts.dataDir));
  const query = await openQuery({ dataDir: dir });
  try {
    const all = (await query.listShipments())
      .filter((s) => !opts.open || s.status === 'in-transit')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.sscc.localeCompare(b.sscc));
    const shipments = all.map((s) => ({
      sscc: s.sscc,
      device: s.device,
      status: s.status,
      custodian: s.custodian,
      fromSeq: s.fromSeq,
      toSeq: s.toSeq,
      createdAt: s.createdAt,
      completedAt: s.completedAt,
    }));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ shipments }, null, 2)}\n`);
      return;
    }
    if (shipments.length === 0) {
      process.stdout.write(opts.open ? 'no open shipments\n' : 'no shipments\n');
      return;
    }
    const rows = shipments.map(
      (s) =>
        `${s.sscc}  ${s.device.padEnd(12)} ${s.status.padEnd(10)} #${s.fromSeq}..${s.toSeq === null ? '' : `#${s.toSeq}`}`.trimEnd() +
        `  created ${s.createdAt}${s.completedAt ? `, completed ${s.completedAt}` : ''}`,
    );
    process.stdout.write(`${['SSCC                DEVICE       STATUS     READINGS', ...rows].join('\n')}\n`);
  } finally {
    await query.close();
  }
}
