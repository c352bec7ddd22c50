import { canonicalBytes } from './canonical.js';
import { ColdtrailError, ErrorCode } from './errors.js';
import { bytesToHex, hexToBytes } from './hash.js';
import { isSignatureHex, parsePublicKey, type Signer, type Verifier, verifyEd25519 } from './keys.js';

/**
 * MQTT CONNECT credentials for a device: username = device id, password = JSON.
 *
 * v1 `{ts, sig}`: `sig` signs the canonical `{type:'coldtrail/connect', v:1, device, clientId, ts}` with the
 * device key. Accepted only within `maxSkewMs` of the broker's clock, so a captured password stops working soon
 * after. A Raspberry Pi has no RTC: it boots at fake-hwclock's last saved time, hours or days behind, and every
 * v1 token is refused until NTP has stepped the clock — which it cannot do offline.
 *
 * v2 `{v:2, ts, ctr, sig}` adds `ctr`, a per-device counter the agent makes strictly increasing across restarts
 * (persisted before use), signed into `{type:'coldtrail/connect', v:2, device, clientId, ts, ctr}`. The broker
 * remembers, durably, the highest counter it accepted per device and accepts a v2 token when it is within the
 * time window (as v1) OR its counter is above that highest one (`connectTokenAdmissible`). So a wrong boot clock
 * no longer locks a device out, and a captured token cannot be replayed outside the window: its counter is not
 * above the one it raised. v1 tokens keep working unchanged.
 */
export interface ConnectToken {
  ts: number;
  sig: string;
}
export interface ConnectTokenV2 {
  v: 2;
  ts: number;
  ctr: number;
  sig: string;
}

function statement(device: string, clientId: string, ts: number, ctr?: number) {
  return ctr === undefined
    ? { type: 'coldtrail/connect', v: 1, device, clientId, ts }
    : { type: 'coldtrail/connect', v: 2, device, clientId, ts, ctr };
}

/** A v1 token, or a v2 token when `counter` (a positive safe integer) is given. */
export async function makeConnectToken(
  device: string,
  clientId: string,
  ts: number,
  signer: Signer,
  counter?: number,
): Promise<string> {
  if (counter !== undefined && !(Number.isSafeInteger(counter) && counter > 0)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `connect counter must be a positive integer (got ${counter})`,
    );
  }
  const sig = bytesToHex(await signer(canonicalBytes(statement(device, clientId, ts, counter))));
  if (counter === undefined) return JSON.stringify({ ts, sig } satisfies ConnectToken);
  return JSON.stringify({ v: 2, ts, ctr: counter, sig } satisfies ConnectTokenV2);
}

/** What a signature-checked token says; whether it is admitted is `connectTokenAdmissible`'s call. */
export interface ConnectTokenCheck {
  version: 1 | 2;
  ts: number;
  /** v2 only. */
  counter: number | undefined;
  /** `ts` is within `maxSkewMs` of `now`. */
  fresh: boolean;
}

/**
 * Parses a token and checks its signature (throws INVALID_INPUT for a malformed one, BAD_SIGNATURE for a wrong
 * one), and says whether it is fresh. It does not decide admission.
 */
export function checkConnectToken(
  device: string,
  clientId: string,
  password: string,
  publicKeyHex: string,
  now: number,
  options: { maxSkewMs?: number; verify?: Verifier } = {},
): ConnectTokenCheck {
  let token: unknown;
  try {
    token = JSON.parse(password);
  } catch {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'password is not a coldtrail connect token');
  }
  const t = token as Partial<ConnectTokenV2>;
  if (typeof t !== 'object' || t === null || !Number.isSafeInteger(t.ts) || !isSignatureHex(t.sig)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'connect token needs integer ts and hex sig');
  }
  const version = t.v === undefined ? 1 : t.v;
  if (version !== 1 && version !== 2) {
    throw new ColdtrailError(ErrorCode.InvalidInput, `connect token version ${String(t.v)} is unknown`);
  }
  if (version === 2 && !(Number.isSafeInteger(t.ctr) && (t.ctr as number) > 0)) {
    throw new ColdtrailError(ErrorCode.InvalidInput, 'a v2 connect token needs a positive integer ctr');
  }
  const ts = t.ts as number;
  const counter = version === 2 ? (t.ctr as number) : undefined;
  const ok = (options.verify ?? verifyEd25519)(
    parsePublicKey(publicKeyHex),
    canonicalBytes(statement(device, clientId, ts, counter)),
    hexToBytes(t.sig as string),
  );
  if (!ok) throw new ColdtrailError(ErrorCode.BadSignature, `connect token of ${device} does not verify`);
  const skew = options.maxSkewMs ?? 5 * 60_000;
  return { version, ts, counter, fresh: Math.abs(now - ts) <= skew };
}

/**
 * The admission rule: a fresh token (v1 or v2), or a v2 token whose counter is above `lastCounter`, the highest
 * counter accepted for this device so far (undefined: none). After admitting a v2 token the broker must store
 * max(lastCounter, counter) durably before it answers CONNACK, or a restart would re-open replays.
 */
export function connectTokenAdmissible(check: ConnectTokenCheck, lastCounter: number | undefined): boolean {
  if (check.fresh) return true;
  return check.counter !== undefined && check.counter > (lastCounter ?? 0);
}

/**
 * v1 behaviour for callers without a counter store: checks the signature and the time window, throwing
 * FORBIDDEN for a stale token.
 */
export function verifyConnectToken(
  device: string,
  clientId: string,
  password: string,
  publicKeyHex: string,
  now: number,
  options: { maxSkewMs?: number; verify?: Verifier } = {},
): ConnectTokenCheck {
  const check = checkConnectToken(device, clientId, password, publicKeyHex, now, options);
  if (!check.fresh) {
    throw new ColdtrailError(
      ErrorCode.Forbidden,
      'connect token expired or clock skewed; check the device clock',
    );
  }
  return check;
}
