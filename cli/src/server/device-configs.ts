import type { AgentConfigMessage, Log, ShipmentEntry } from '@coldtrail/core';

type Publish = (org: string, device: string, message: AgentConfigMessage) => Promise<void>;

/**
 * The retained `.../config` downlink of each device, kept in step with its shipments: the shipment's SSCC
 * and profile while it is in transit (the agent evaluates the profile itself, so its alarms fire offline),
 * `null` once it is completed. aedes keeps retained messages in memory only, so the server publishes the
 * config of every open shipment again when it starts. A failed publish is logged, never fails the shipment:
 * the downlink drives local alarms only; excursions are decided from the signed readings on the server.
 */
export function deviceConfigs(org: string, publish: Publish, log: Log) {
  const send = async (device: string, message: AgentConfigMessage) => {
    try {
      await publish(org, device, message);
      log.info('device config published', { device, shipment: message.shipment });
    } catch (err) {
      log.warn('could not publish device config', {
        device,
        shipment: message.shipment,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };
  return {
    inTransit: (s: ShipmentEntry) => send(s.device, { v: 1, shipment: s.sscc, profile: s.profile }),
    completed: (s: ShipmentEntry) => send(s.device, { v: 1, shipment: null, profile: null }),
    /** At start: every shipment of this org still in transit. */
    async republish(shipments: readonly ShipmentEntry[]) {
      for (const s of shipments)
        if (s.status === 'in-transit' && s.custodian === org) await this.inTransit(s);
    },
  };
}
