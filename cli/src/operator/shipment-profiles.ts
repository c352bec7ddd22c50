import {
  type ColdChainProfile,
  isColdtrailError,
  parseProfile,
  profileSummary,
  type ShipmentProfile,
} from '@coldtrail/core';
import { listShippedProfiles, loadProfileFile, shippedProfile } from '@coldtrail/ledger-sync';
import { Exit, ExitError } from '../exit-codes.js';

/**
 * The profile `shipment create --profile` names: a shipped profile by id or URI (ledger-sync/profiles/, see
 * `coldtrail profile list`) or a profile file of one's own (YAML or JSON, format in core/src/profile.ts). The
 * shipment carries the profile itself on the ledger, so every reader judges it by the same rules without the
 * file. Default: the shipped 2-8 °C profile.
 */
export const DEFAULT_PROFILE = '2-8C';

/** A path rather than a name: it has a directory part or a file extension of a profile file. */
function looksLikeFile(nameOrPath: string): boolean {
  return /[/\\]/.test(nameOrPath) || /\.(ya?ml|json)$/i.test(nameOrPath);
}

export function resolveProfile(nameOrPath: string = DEFAULT_PROFILE): ColdChainProfile {
  const shipped = shippedProfile(nameOrPath);
  if (shipped) return shipped;
  if (looksLikeFile(nameOrPath)) {
    try {
      return loadProfileFile(nameOrPath);
    } catch (err) {
      if (isColdtrailError(err)) throw new ExitError(Exit.Usage, err.message);
      throw err;
    }
  }
  throw new ExitError(
    Exit.Usage,
    `unknown profile "${nameOrPath}": shipped profiles are ${listShippedProfiles()
      .map((p) => p.id)
      .join(', ')} (\`coldtrail profile list\`), or give a profile file (.yaml, .yml or .json)`,
  );
}

/** The two fields a shipment carries: the profile, and the summary of it older readers and agents use. */
export function shipmentProfileFields(spec: ColdChainProfile): {
  profile: ShipmentProfile;
  profileSpec: ColdChainProfile;
} {
  try {
    return { profile: profileSummary(spec), profileSpec: spec };
  } catch (err) {
    if (isColdtrailError(err)) throw new ExitError(Exit.Usage, err.message);
    throw err;
  }
}

/** A profile sent over the admin socket (hostile until checked): parsed as a profile file would be. */
export function profileArg(value: unknown): ColdChainProfile {
  try {
    return parseProfile(value, { source: '(sent with the request)' });
  } catch (err) {
    if (isColdtrailError(err)) throw new ExitError(Exit.Usage, err.message);
    throw err;
  }
}
