import { ColdtrailError, ErrorCode } from './errors.js';
import { isIdentifier } from './patterns.js';

/**
 * MQTT topics. Built only here so that the broker's ACL, the agent and the ingest agree byte for byte.
 * `coldtrail/v1/{org}/{device}/{channel}`; org and device are identifiers, so they never contain `/`, `+` or `#`.
 */
export const TOPIC_ROOT = 'coldtrail/v1';

export const Channel = {
  /** Signed batches, device -> ingest, QoS 1. */
  Batches: 'batches',
  /** Retained online/offline status; the last will says offline. */
  Status: 'status',
  /** Alarms raised by the agent. */
  Alarms: 'alarms',
  /** Retained downlink: shipment profile. */
  Config: 'config',
  /** Retained ingest -> device: stored-up-to watermark and the last refusal. */
  Acks: 'acks',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

const CHANNELS = new Set<string>(Object.values(Channel));

function check(org: string, device: string): void {
  if (!isIdentifier(org) || !isIdentifier(device)) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `org and device must be identifiers (got ${org}/${device})`,
    );
  }
}

export function deviceTopic(org: string, device: string, channel: Channel): string {
  check(org, device);
  return `${TOPIC_ROOT}/${org}/${device}/${channel}`;
}

/** The prefix under which a device may publish and subscribe. */
export function devicePrefix(org: string, device: string): string {
  check(org, device);
  return `${TOPIC_ROOT}/${org}/${device}/`;
}

/** Subscription filter for one channel of every device of every org (used by the ingest). */
export function channelFilter(channel: Channel): string {
  return `${TOPIC_ROOT}/+/+/${channel}`;
}

export interface ParsedTopic {
  org: string;
  device: string;
  channel: Channel;
}

/** Parses a coldtrail topic; undefined for anything else. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const [, , org, device, channel] = parts as [string, string, string, string, string];
  if (!isIdentifier(org) || !isIdentifier(device) || !CHANNELS.has(channel)) return undefined;
  return { org, device, channel: channel as Channel };
}
