import { canonicalJson } from './canonical.js';
import { ColdtrailError, ErrorCode } from './errors.js';
import type { ShipmentEntry, ShipmentProfile } from './ledger-entries.js';
import { type ColdChainProfile, legacyProfile, parseProfile } from './profile.js';

/**
 * A shipment's rules on the ledger. A shipment created under a versioned profile carries the profile itself
 * (`profileSpec`, normalised: what parseProfile returns, so any reader re-derives excursions from it without the
 * profile file) and, in `profile`, the summary of it that older readers and the agents' local alarms read (two
 * temperature limits, one delay). A shipment created before profiles carries the summary only and is judged by
 * legacyProfile(summary), exactly as before.
 */
export function shipmentRules(shipment: Pick<ShipmentEntry, 'profile' | 'profileSpec'>): ColdChainProfile {
  return shipment.profileSpec ?? legacyProfile(shipment.profile);
}

/**
 * The summary of a profile: the tightest temperature limits each way, the shortest single-event delay among the
 * temperature zones (0 when one of them alarms at once: instant). Advisory only (the agent's buzzer); the
 * excursion engine and every verifier judge by the profile. A shipment profile needs a temperature limit each
 * way: a cold chain has a floor (freezing) as well as a ceiling.
 */
export function profileSummary(spec: ColdChainProfile): ShipmentProfile {
  const temperature = spec.zones.filter((z) => z.measure === 'temperature');
  const uppers = temperature.filter((z) => z.direction === 'above').map((z) => z.limit);
  const lowers = temperature.filter((z) => z.direction === 'below').map((z) => z.limit);
  if (uppers.length === 0 || lowers.length === 0) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `profile ${spec.uri} needs a temperature zone above and one below to carry a shipment`,
    );
  }
  const delays = temperature.flatMap((z) =>
    z.alarms.map((a) => (a.kind === 'single-event' ? a.delayMinutes : a.kind === 'instant' ? 0 : Infinity)),
  );
  const delay = Math.min(...delays);
  return {
    id: spec.id,
    lowerC: Math.max(...lowers),
    upperC: Math.min(...uppers),
    delayMinutes: Number.isFinite(delay) ? delay : 0,
    samplePeriodSeconds: spec.samplePeriodSeconds,
  };
}

/** True when `value` is a profile in its normalised form (what the ledger stores): it parses to itself. */
export function isNormalisedProfile(value: unknown): value is ColdChainProfile {
  try {
    return canonicalJson(parseProfile(value)) === canonicalJson(value);
  } catch {
    return false;
  }
}
