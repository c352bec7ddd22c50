import type { ShipmentProfile } from '@coldtrail/core';
import { readLocalState } from './local-alarm-state.js';
import type { StatusAlarm } from './status-file.js';

/** What `agent status` shows of the shipment downlink and the local temperature alarms. */
export interface LocalAlarmStatus {
  /** The shipment the agent watches (from the retained `.../config`), or null when it carries none. */
  shipment: { sscc: string; profile: ShipmentProfile; acceptedAt: string } | null;
  /** The last config payload the agent refused, if any. */
  configRejected: { at: string; reason: string } | null;
  /** Temperature alarms raised by the profile, as status alarms (code `temperature-instant|single-event`). */
  alarms: StatusAlarm[];
  /** `.../alarms` messages raised but not yet acknowledged by the broker (sent once connected). */
  alarmMessagesPending: number;
}

/** Reads `local-state.json` (read-only; an absent or unreadable file reads as "no shipment, no alarms"). */
export function readLocalAlarmStatus(dataDir: string): LocalAlarmStatus {
  const state = readLocalState(dataDir);
  const message = state?.config?.message;
  return {
    shipment:
      message?.shipment && message.profile && state?.config
        ? { sscc: message.shipment, profile: message.profile, acceptedAt: state.config.acceptedAt }
        : null,
    configRejected: state?.configRejected ?? null,
    alarms: (state?.alarms.active ?? []).map((a) => ({
      code: `temperature-${a.rule}`,
      source: a.sensor,
      since: new Date(a.since).toISOString(),
      message: `${a.sensor} ${a.direction} ${a.limit} °C since ${new Date(a.since).toISOString()}`,
    })),
    alarmMessagesPending: state?.pending.length ?? 0,
  };
}
