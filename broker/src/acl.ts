import { Channel, deviceTopic, parseTopic } from '@coldtrail/core';
import type { Principal } from './principal.js';

/** Channels a device publishes on. acks (ingest -> device) and config (ops -> device) are never its to write. */
const DEVICE_PUBLISH_CHANNELS: ReadonlySet<Channel> = new Set([
  Channel.Batches,
  Channel.Status,
  Channel.Alarms,
]);
/** Channels a device subscribes to: its own downlinks only. */
const DEVICE_SUBSCRIBE_CHANNELS = [Channel.Acks, Channel.Config] as const;

export type PublishDecision = { allowed: true; channel: Channel } | { allowed: false; reason: string };

/**
 * May `principal` publish on `topic`? A device only under its own prefix (`devicePrefix(org, device)`, org
 * from the directory) and only on batches/status/alarms. Services are read-only.
 */
export function decidePublish(principal: Principal, topic: string): PublishDecision {
  if (principal.kind === 'service') {
    return { allowed: false, reason: `service ${principal.username} is read-only` };
  }
  const { org, device } = principal.identity;
  const parsed = parseTopic(topic);
  if (!parsed || parsed.org !== org || parsed.device !== device) {
    return { allowed: false, reason: `topic ${JSON.stringify(topic)} is outside ${org}/${device}'s prefix` };
  }
  if (!DEVICE_PUBLISH_CHANNELS.has(parsed.channel)) {
    return { allowed: false, reason: `devices may not publish on ${parsed.channel}` };
  }
  return { allowed: true, channel: parsed.channel };
}

/**
 * May `principal` subscribe to `filter`? A device: exactly its own acks or config topic (so no wildcards).
 * A service: any filter covered by one of its allowed filters.
 */
export function maySubscribe(principal: Principal, filter: string): boolean {
  if (principal.kind === 'service') return principal.subscribe.some((p) => filterCovers(p, filter));
  const { org, device } = principal.identity;
  return DEVICE_SUBSCRIBE_CHANNELS.some((c) => deviceTopic(org, device, c) === filter);
}

/**
 * True when every topic matched by `filter` is also matched by `pattern` (MQTT 3.1.1 §4.7 wildcards).
 * `+` in the filter is covered only by `+` or `#`; `#` only by `#`. Topics starting with `$` are matched by a
 * leading wildcard in neither [MQTT-4.7.2-1], so a `$` level must be spelled out in the pattern.
 */
export function filterCovers(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  if (f[0]?.startsWith('$') && (p[0] === '+' || p[0] === '#')) return false;
  for (let i = 0; i < p.length; i++) {
    const pl = p[i];
    if (pl === '#') return true;
    const fl = f[i];
    if (fl === undefined || fl === '#') return false;
    if (pl === '+') {
      continue;
    }
    if (pl !== fl) return false;
  }
  return f.length === p.length;
}
