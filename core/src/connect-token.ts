import { canonicalBytes } from './canonical.js';
import { ColdtrailError, ErrorCode } from './errors.js';
import { bytesToHex, hexToBytes } from './hash.js';
import { isSignatureHex, parsePublicKey, type Signer, type Verifier, verifyEd25519 } from './keys.js';

/**
 * MQTT CONNECT credentials for a device: username = device id, password = JSON `{ts, sig}` where `sig` signs
 * the canonical `{type:'coldtrail/connect', v:1, device, clientId, ts}` with the device key. The broker accepts
 * it only within `maxSkewMs` of its own clock, so a captured password stops working soon after.
 */
export interface ConnectToken {
  ts: number;
  sig: string;
}

function statement(device: string, clientId: string, ts: number) {
  return { type: 'coldtrail/connect', v: 1, device, clientId, ts };
}

export async function makeConnectToken(
  device: string,
  clientId: string,
  ts: number,
  signer: Signer,
): Promise<string> {
  const sig = await signer(canonicalBytes(statement(device, clientId, ts)));
  return JSON.stringify({ ts, sig: bytesToHex(sig) } satisfies ConnectToken);
}

export function verifyConnectToken(
  device: string,
  clientId: string,
  password: string,
  publicKeyHex: string,
  now: number,
  options: { maxSkewMs?: number; verify?: Verifier } = {},
): void {
  let token: unknown;
  try {
    token = JSON.parse(password);
  } catch {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'password is not a coldtrail connect token');
  }
  const t = token as Partial<ConnectToken>;
  if (typeof t !== 'object' || t === null || !Number.isSafeInteger(t.ts) || !isSignatureHex(t.sig)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'connect token needs integer ts and hex sig');
  }
  const skew = options.maxSkewMs ?? 5 * 60_000;
  if (Math.abs(now - (t.ts as number)) > skew) {
    throw new ColdtrailError(
      ErrorCode.Forbidden,
      'connect token expired or clock skewed; check the device clock',
    );
  }
  const ok = (options.verify ?? verifyEd25519)(
    parsePublicKey(publicKeyHex),
    canonicalBytes(statement(device, clientId, t.ts as number)),
    hexToBytes(t.sig as string),
  );
  if (!ok) throw new ColdtrailError(ErrorCode.BadSignature, `connect token of ${device} does not verify`);
}
