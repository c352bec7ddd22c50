import {
  Channel,
  ColdtrailError,
  deviceTopic,
  ErrorCode,
  parseServerAlarmMessage,
  type ServerAlarmMessage,
} from '@coldtrail/core';
import type { Aedes, PublishPacket } from 'aedes';

/**
 * Publishes a server-side alarm (core server-alarm-message.ts) on the device's `.../alarms` topic from the broker
 * itself: QoS 1, not retained (an alarm is an event; the ledger keeps the excursion, and a subscriber that missed
 * the message finds it there). Validated first, so subscribers never get what they would refuse.
 */
export async function publishDeviceAlarm(
  aedes: Aedes,
  org: string,
  device: string,
  message: ServerAlarmMessage,
): Promise<void> {
  const payload = Buffer.from(JSON.stringify(message));
  try {
    parseServerAlarmMessage(payload);
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `not publishing alarm of ${org}/${device}: ${String((err as Error).message)}`,
      { cause: err },
    );
  }
  const packet: PublishPacket = {
    cmd: 'publish',
    topic: deviceTopic(org, device, Channel.Alarms),
    payload,
    qos: 1,
    retain: false,
    dup: false,
  };
  return new Promise((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
}
