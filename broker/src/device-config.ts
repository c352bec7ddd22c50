import {
  type AgentConfigMessage,
  Channel,
  ColdtrailError,
  deviceTopic,
  ErrorCode,
  parseAgentConfigMessage,
} from '@coldtrail/core';
import type { Aedes, PublishPacket } from 'aedes';

/**
 * Publishes a device's `.../config` downlink (core agent-config-message.ts) retained, QoS 1, from the broker
 * itself: the server calls it when a shipment is created (its SSCC and profile) or completed (`shipment: null,
 * profile: null`). Retained, so a device that is offline now gets it at its next connect; the agent persists
 * the last one it accepted, so an offline restart keeps it too. aedes' default persistence keeps retained
 * messages in memory only: the server publishes the config of every open shipment again after a restart.
 * The message is validated first (INVALID_INPUT), so the server can never send what agents would refuse.
 */
export async function publishDeviceConfig(
  aedes: Aedes,
  org: string,
  device: string,
  message: AgentConfigMessage,
): Promise<void> {
  // Not signed data, so plain JSON (canonical encoding is only required for what is hashed or signed).
  const payload = Buffer.from(JSON.stringify(message));
  try {
    parseAgentConfigMessage(payload);
  } catch (err) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `not publishing config of ${org}/${device}: ${String((err as Error).message)}`,
      { cause: err },
    );
  }
  const packet: PublishPacket = {
    cmd: 'publish',
    topic: deviceTopic(org, device, Channel.Config),
    payload,
    qos: 1,
    retain: true,
    dup: false,
  };
  return new Promise((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
}
