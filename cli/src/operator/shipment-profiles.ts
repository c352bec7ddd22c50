import type { ShipmentProfile } from '@coldtrail/ledger-sync';
import { demoProfile } from '../demo/demo-setup.js';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * The named profiles `shipment create --profile` knows. Today only the demo's 2-8 °C one (USP <1079>'s
 * refrigerated range, 30 minutes' single-event delay); full, versioned profile files come with a later issue.
 */
export const SHIPMENT_PROFILES: Readonly<Record<string, ShipmentProfile>> = {
  '2-8C': demoProfile(2, 8),
};
export const DEFAULT_PROFILE = '2-8C';

export function shipmentProfile(name: string = DEFAULT_PROFILE): ShipmentProfile {
  const profile = Object.hasOwn(SHIPMENT_PROFILES, name) ? SHIPMENT_PROFILES[name] : undefined;
  if (!profile) {
    throw new ExitError(
      Exit.Usage,
      `unknown profile "${name}": known profiles are ${Object.keys(SHIPMENT_PROFILES).join(', ')}`,
    );
  }
  return profile;
}
