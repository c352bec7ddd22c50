import { type Env, MAX_BATCH_BYTES, parseConfig } from '@coldtrail/core';
import { z } from 'zod';

/** MQTT's largest Remaining Length (MQTT 3.1.1 §2.2.3): 268,435,455 bytes. */
const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

const intIn = (min: number, max: number, hint: string) => {
  const error = (issue: { input?: unknown }) =>
    `must be an integer from ${min} to ${max}${hint} (got ${JSON.stringify(issue.input)})`;
  return z.number({ error }).refine((v) => Number.isSafeInteger(v) && v >= min && v <= max, { error });
};

/**
 * The broker's settings, every one optional. Keys are in the order problems are listed. Env overrides:
 * `COLDTRAIL_BROKER_<KEY>` (e.g. `COLDTRAIL_BROKER_PORT`).
 */
export const BrokerConfigSchema = z.strictObject(
  {
    /** TCP port; 0 (default) picks a free port, read it back from the handle. */
    port: intIn(0, 65_535, '; 0 picks a free port').default(0),
    /** Interface to bind. Default 127.0.0.1 (1883 on 0.0.0.0 may belong to another broker). */
    host: z
      .string({ error: 'must be a non-empty host name or IP address' })
      .refine((v) => v.trim() !== '', { error: 'must be a non-empty host name or IP address' })
      .default('127.0.0.1'),
    /**
     * How long aedes waits for a subscriber's socket to drain before dropping that client. Without it one
     * frozen subscriber stalls delivery to everyone (DEPENDENCIES.md, aedes row). Also how long `close()` waits
     * for batches still being ingested before it closes anyway. Default 10 s. 0 would disable the drain
     * timeout in aedes, which is exactly the stall it exists to prevent.
     */
    drainTimeoutMs: intIn(1, 3_600_000, '; it cannot be disabled').default(10_000),
    /**
     * Largest PUBLISH payload accepted. Larger ones are treated as abuse and the connection is closed (see
     * README "Payload size"). Default: core MAX_BATCH_BYTES, the largest batch an agent ever builds.
     */
    maxPayloadBytes: intIn(1, MQTT_MAX_REMAINING_LENGTH, '').default(MAX_BATCH_BYTES),
    /** How far a connect token's `ts` may be from the broker clock. Default 5 min (the core default). */
    connectTokenMaxSkewMs: intIn(1, 24 * 3_600_000, '').default(5 * 60_000),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'config must be an object' : undefined) },
);

/** What a caller may pass to `start()`; every field is optional. */
export type BrokerConfig = z.input<typeof BrokerConfigSchema>;
export type ResolvedBrokerConfig = z.output<typeof BrokerConfigSchema>;

export const BROKER_DEFAULTS: ResolvedBrokerConfig = parseConfig(
  BrokerConfigSchema,
  {},
  {
    service: 'broker',
    env: false,
  },
);

/**
 * Validates a broker config, applies `COLDTRAIL_BROKER_<KEY>` overrides from `env` (default process.env) and
 * merges the defaults. Throws INVALID_CONFIG listing every problem as `broker.<key>: message`, so a bad config
 * is fixed in one go.
 */
export function resolveBrokerConfig(input: unknown = {}, env?: Env): ResolvedBrokerConfig {
  return parseConfig(BrokerConfigSchema, input, {
    service: 'broker',
    root: 'broker',
    unknownKey: (known) => `unknown option (known: ${known.join(', ')})`,
    ...(env ? { env } : {}),
  });
}
