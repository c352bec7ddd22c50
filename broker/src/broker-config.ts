import { ColdtrailError, ErrorCode, MAX_BATCH_BYTES } from '@coldtrail/core';

/** What a caller may pass to `start()`; every field is optional. */
export interface BrokerConfig {
  /** Interface to bind. Default 127.0.0.1 (1883 on 0.0.0.0 may belong to another broker). */
  host?: string;
  /** TCP port; 0 (default) picks a free port, read it back from the handle. */
  port?: number;
  /**
   * How long aedes waits for a subscriber's socket to drain before dropping that client. Without it one frozen
   * subscriber stalls delivery to everyone (DEPENDENCIES.md, aedes row). Also how long `close()` waits for
   * batches still being ingested before it closes anyway. Default 10 s.
   */
  drainTimeoutMs?: number;
  /**
   * Largest PUBLISH payload accepted. Larger ones are treated as abuse and the connection is closed (see
   * README "Payload size"). Default: core MAX_BATCH_BYTES, the largest batch an agent ever builds.
   */
  maxPayloadBytes?: number;
  /** How far a connect token's `ts` may be from the broker clock. Default 5 min (the core default). */
  connectTokenMaxSkewMs?: number;
}

export type ResolvedBrokerConfig = Required<BrokerConfig>;

export const BROKER_DEFAULTS: ResolvedBrokerConfig = {
  host: '127.0.0.1',
  port: 0,
  drainTimeoutMs: 10_000,
  maxPayloadBytes: MAX_BATCH_BYTES,
  connectTokenMaxSkewMs: 5 * 60_000,
};

/** MQTT's largest Remaining Length (MQTT 3.1.1 §2.2.3): 268,435,455 bytes. */
const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

type Check = (value: unknown) => string | undefined;

const intIn =
  (min: number, max: number, hint: string): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      ? undefined
      : `must be an integer from ${min} to ${max}${hint} (got ${JSON.stringify(v)})`;

const CHECKS: Record<keyof BrokerConfig, Check> = {
  host: (v) =>
    typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty host name or IP address',
  port: intIn(0, 65_535, '; 0 picks a free port'),
  // 0 would disable the drain timeout in aedes, which is exactly the stall it exists to prevent.
  drainTimeoutMs: intIn(1, 3_600_000, '; it cannot be disabled'),
  maxPayloadBytes: intIn(1, MQTT_MAX_REMAINING_LENGTH, ''),
  connectTokenMaxSkewMs: intIn(1, 24 * 3_600_000, ''),
};

/**
 * Validates a broker config and merges the defaults. Throws INVALID_CONFIG listing every problem as
 * `broker.<key>: message`, so a bad config is fixed in one go.
 */
export function resolveBrokerConfig(input: unknown = {}): ResolvedBrokerConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ColdtrailError(ErrorCode.InvalidConfig, 'broker: config must be an object');
  }
  const problems: string[] = [];
  const out: ResolvedBrokerConfig = { ...BROKER_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(CHECKS, key)) {
      problems.push(`broker.${key}: unknown option (known: ${Object.keys(CHECKS).join(', ')})`);
      continue;
    }
    const k = key as keyof BrokerConfig;
    const problem = CHECKS[k](value);
    if (problem) problems.push(`broker.${key}: ${problem}`);
    else (out as Record<string, unknown>)[k] = value;
  }
  if (problems.length > 0) {
    throw new ColdtrailError(ErrorCode.InvalidConfig, `invalid broker config:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return out;
}
