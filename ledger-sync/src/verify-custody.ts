import type { CustodyEvent, DeviceEntry, ShipmentEntry } from './ledger-types.js';
import { checkResult, type VerificationCheck } from './verification.js';

/**
 * `custody`: the shipment's custody events tell one story in time order — created first (at the
 * shipment's creation time, not before its device was registered), completed last and only if the shipment
 * says so, each event once. The ledger's transaction times are chosen by the submitting client (Fabric
 * checks them only loosely), so an org holding its key could date a completion before the creation; the
 * contract refuses that, and this check catches a ledger written without that rule.
 */
export function verifyCustody(
  shipment: ShipmentEntry,
  device: DeviceEntry,
  custody: readonly CustodyEvent[],
): VerificationCheck {
  const problems: string[] = [];
  const created = custody.filter((c) => c.action === 'created');
  const completed = custody.filter((c) => c.action === 'completed');
  for (const c of custody) {
    if (c.sscc !== shipment.sscc) problems.push(`custody event ${c.txId} belongs to shipment ${c.sscc}`);
  }
  if (created.length !== 1 || custody[0]?.action !== 'created') {
    problems.push(`the custody chain must start with exactly one "created" event (found ${created.length})`);
  } else if (created[0]?.at !== shipment.createdAt) {
    problems.push(`the "created" event is dated ${created[0]?.at}, the shipment ${shipment.createdAt}`);
  }
  if (Date.parse(shipment.createdAt) < Date.parse(device.registeredAt)) {
    problems.push(
      `the shipment was created at ${shipment.createdAt}, before its device ${device.id} was registered at ${device.registeredAt}`,
    );
  }
  for (let i = 1; i < custody.length; i++) {
    const [a, b] = [custody[i - 1] as CustodyEvent, custody[i] as CustodyEvent];
    if (Date.parse(b.at) < Date.parse(a.at)) {
      problems.push(
        `custody events out of time order: "${b.action}" at ${b.at} follows "${a.action}" at ${a.at}`,
      );
    }
  }
  if (shipment.status === 'completed') {
    const done = completed[0];
    // Hand-over steps (offered, accepted, ...) may follow the completion: goods change hands after the
    // monitored leg. Only the shipment's own life must end with "completed".
    const life = custody.filter((c) => c.action === 'created' || c.action === 'completed');
    if (completed.length !== 1 || life.at(-1)?.action !== 'completed') {
      problems.push(
        `a completed shipment must end with exactly one "completed" event (found ${completed.length})`,
      );
    } else if (done?.at !== shipment.completedAt) {
      problems.push(`the "completed" event is dated ${done?.at}, the shipment ${shipment.completedAt}`);
    }
    if (shipment.completedAt === null || Date.parse(shipment.completedAt) < Date.parse(shipment.createdAt)) {
      problems.push(
        `the shipment is completed at ${shipment.completedAt}, before it was created at ${shipment.createdAt}`,
      );
    }
  } else if (completed.length > 0) {
    problems.push('the shipment is in transit, yet its custody chain has a "completed" event');
  }
  const ended = completed[0];
  const summary =
    `created by ${created[0]?.org ?? '?'} at ${shipment.createdAt}` +
    (ended ? `, completed at ${ended.at}${ended.reason ? ` (${ended.reason})` : ''}` : ', in transit');
  return checkResult('custody', problems, `${custody.length} custody events in time order: ${summary}`);
}
