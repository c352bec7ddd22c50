import { type Env, isIdentifier, MAX_BATCH_RECORDS, parseConfig } from '@coldtrail/core';
import { z } from 'zod';
import { DEFAULT_DISK_BUDGET_BYTES, MIN_DISK_BUDGET_BYTES } from './disk-budget.js';
import { AlarmLimitsSchema, SourceEntrySchema } from './sampling-config.js';

const identifier = z.string().refine(isIdentifier, {
  message: 'must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit',
});
const ms = (min = 0) => z.number().int().min(min);

/** MQTT URL schemes MQTT.js connects over. */
const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:'];
const mqttUrl = z.string().refine(
  (u) => {
    try {
      return MQTT_SCHEMES.includes(new URL(u).protocol);
    } catch {
      return false;
    }
  },
  { message: `must be a URL with one of the schemes ${MQTT_SCHEMES.join(' ')}, e.g. mqtt://127.0.0.1:1883` },
);

/**
 * The agent's settings, validated once at start. Times are milliseconds; `samplePeriodMs`, `batchMaxAgeMs` and
 * `retentionMs` run on the agent's clock (simulated in demos), the network timings on the wall clock.
 */
export const AgentConfigSchema = z
  .object({
    device: identifier,
    org: identifier,
    /** Holds `outbox.sqlite` and `device-key.pem`. */
    dataDir: z.string().min(1),
    /** One broker; or `mqttUrls`. */
    mqttUrl: mqttUrl.optional(),
    /** Brokers tried in turn (failover; agent broker-urls.ts). */
    mqttUrls: z.array(mqttUrl).min(1).optional(),
    /** Alarm output (LED/buzzer) address, e.g. `gpio://27`; absent: alarms go to MQTT and the log only. */
    alarmOutput: z.string().min(1).optional(),
    /** Stable per device and signed into the connect token; default: the device id. */
    clientId: identifier.optional(),
    samplePeriodMs: ms(1).default(60_000),
    /** Sensor address URLs, e.g. `modbus:///dev/ttyUSB0?baud=9600&unit=1`. */
    /** Or `{address, interval, fastInterval}` (sampling-config.ts): own intervals, faster while out of range. */
    sources: z.array(SourceEntrySchema).default([]),
    /** Temperature limits (°C) outside which a source samples at its fastInterval. */
    alarmLimits: AlarmLimitsSchema.optional(),
    /** Outbox disk budget and warning level (default 80% of it); policy in agent/README.md "Disk budget". */
    diskBudgetBytes: z.number().int().min(MIN_DISK_BUDGET_BYTES).default(DEFAULT_DISK_BUDGET_BYTES),
    diskWarnBytes: z.number().int().min(1).optional(),
    batchMaxRecords: ms(1).max(MAX_BATCH_RECORDS).default(100),
    batchMaxAgeMs: ms().default(5 * 60_000),
    retentionMs: ms().default(7 * 24 * 3_600_000),
    resendTimeoutMs: ms(1).default(30_000),
    inflightWindow: ms(1).max(1000).default(8),
    reconnectMinMs: ms(1).default(500),
    reconnectMaxMs: ms(1).default(30_000),
    connectTimeoutMs: ms(1).default(10_000),
    keepaliveS: ms(0).max(65_535).default(30),
    gapGraceMs: ms(0).default(500),
  })
  .strict()
  .refine((c) => (c.mqttUrl === undefined) !== (c.mqttUrls === undefined), {
    path: ['mqttUrl'],
    message: 'name the broker: mqttUrl, or mqttUrls for several tried in turn (not both)',
  })
  .refine((c) => c.diskWarnBytes === undefined || c.diskWarnBytes < c.diskBudgetBytes, {
    path: ['diskWarnBytes'],
    message: 'must be below diskBudgetBytes (the warning has to come before the budget is reached)',
  })
  .refine((c) => c.reconnectMaxMs >= c.reconnectMinMs, {
    path: ['reconnectMaxMs'],
    message: 'must be at least reconnectMinMs',
  });

/** What a caller writes (defaults optional). */
export type AgentConfig = z.input<typeof AgentConfigSchema>;
/** After validation, with defaults merged. */
export type ResolvedAgentConfig = z.output<typeof AgentConfigSchema>;

/**
 * Validates agent settings with `COLDTRAIL_AGENT_<KEY>` overrides from `env` (default process.env) on top;
 * throws INVALID_CONFIG listing every problem as `path: message`.
 */
export function parseAgentConfig(input: unknown, env?: Env): ResolvedAgentConfig {
  return parseConfig(AgentConfigSchema, input, { service: 'agent', ...(env ? { env } : {}) });
}
