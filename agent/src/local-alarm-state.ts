import { join } from 'node:path';
import { type AgentConfigMessage, agentConfigMessageSchema } from '@coldtrail/core';
import { z } from 'zod';
import { moveAside, readFileIfExists, writeFileAtomic } from './atomic-file.js';
import { AlarmRule, type EvaluatorState, emptyEvaluatorState } from './local-alarms.js';
import type { Log } from './log.js';

/** File in the data directory: the last accepted config downlink, the alarm state and unsent alarm messages. */
export const LOCAL_STATE_FILE = 'local-state.json';

/**
 * One alarm event on `.../alarms` (QoS 1), as JSON. `id` counts this device's alarm events (1, 2, ...): an event
 * is published once per raise/clear, in order, and again only if the agent stopped between the PUBACK and
 * recording it (at-least-once), so receivers drop duplicates by (device, id).
 */
export interface AlarmMessage {
  v: 1;
  device: string;
  id: number;
  event: 'raised' | 'cleared';
  rule: AlarmRule;
  direction: 'above' | 'below';
  sensor: string;
  limitC: number;
  /** ISO time of the first sample beyond the limit. */
  since: string;
  /** ISO time of the sample (or moment) that raised or cleared it. */
  at: string;
  valueC: number | null;
  reason: string;
  shipment: string | null;
  profile: string | null;
}

export interface LocalState {
  v: 1;
  config: { message: AgentConfigMessage; acceptedAt: string } | null;
  /** The last config payload refused (logged and ignored; the status says so). */
  configRejected: { at: string; reason: string } | null;
  alarms: EvaluatorState;
  /** Alarm messages not yet PUBACKed, oldest first. */
  pending: AlarmMessage[];
  nextId: number;
  /** Alarm messages dropped because `pending` was full (never silently: counted and logged). */
  droppedMessages: number;
}

const direction = z.enum(['above', 'below']);
const rule = z.enum([AlarmRule.Instant, AlarmRule.SingleEvent]);
const stateSchema = z.object({
  v: z.literal(1),
  config: z.object({ message: agentConfigMessageSchema, acceptedAt: z.string() }).nullable(),
  configRejected: z.object({ at: z.string(), reason: z.string() }).nullable(),
  alarms: z.object({
    runs: z.record(z.string(), z.object({ direction, start: z.number() })),
    active: z.array(
      z.object({
        sensor: z.string(),
        rule,
        direction,
        limit: z.number(),
        since: z.number(),
        raisedAt: z.number(),
      }),
    ),
  }),
  pending: z.array(
    z.object({
      v: z.literal(1),
      device: z.string(),
      id: z.number().int().positive(),
      event: z.enum(['raised', 'cleared']),
      rule,
      direction,
      sensor: z.string(),
      limitC: z.number(),
      since: z.string(),
      at: z.string(),
      valueC: z.number().nullable(),
      reason: z.string(),
      shipment: z.string().nullable(),
      profile: z.string().nullable(),
    }),
  ),
  nextId: z.number().int().positive(),
  droppedMessages: z.number().int().nonnegative(),
}) satisfies z.ZodType<LocalState>;

export const emptyLocalState = (): LocalState => ({
  v: 1,
  config: null,
  configRejected: null,
  alarms: emptyEvaluatorState(),
  pending: [],
  nextId: 1,
  droppedMessages: 0,
});

/**
 * Reads the state (empty when none). A damaged file is moved aside and reported, never trusted: the config
 * comes back by the retained downlink at the next connect, and alarms are raised again by the next samples.
 */
export function loadLocalState(dataDir: string, now: number, log: Log): LocalState {
  const path = join(dataDir, LOCAL_STATE_FILE);
  const text = readFileIfExists(path);
  if (text === undefined) return emptyLocalState();
  try {
    return stateSchema.parse(JSON.parse(text));
  } catch {
    const aside = moveAside(path, now);
    log.error('local state file (config, alarms) was damaged; moved aside, starting without it', { aside });
    return emptyLocalState();
  }
}

/** Reads the state without touching anything (for `agent status` while the agent runs or not). */
export function readLocalState(dataDir: string): LocalState | undefined {
  const text = readFileIfExists(join(dataDir, LOCAL_STATE_FILE));
  if (text === undefined) return undefined;
  const parsed = stateSchema.safeParse(
    (() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })(),
  );
  return parsed.success ? parsed.data : undefined;
}

export function saveLocalState(dataDir: string, state: LocalState): void {
  writeFileAtomic(join(dataDir, LOCAL_STATE_FILE), `${JSON.stringify(state)}\n`);
}
