import { Channel, deviceTopic, makeConnectToken, type Signer } from '@coldtrail/core';
import { connect, type MqttClient } from 'mqtt';

/** Retained payloads on the device's status topic (DESIGN.md §2.5: retained; the last will says offline). */
export const STATUS_ONLINE = '{"state":"online"}';
export const STATUS_OFFLINE = '{"state":"offline"}';

export interface SessionOptions {
  url: string;
  org: string;
  device: string;
  clientId: string;
  signer: Signer;
  /** Epoch ms (wall time) for the connect token; the broker accepts a bounded skew from its own clock. */
  tokenTime: number;
  /** Connect counter: a v2 token (admitted from a wrong clock, core connect-token.ts); absent: v1. */
  counter?: number | undefined;
  connectTimeoutMs: number;
  keepaliveS: number;
}

/**
 * Opens one MQTT connection (MQTT 3.1.1; aedes 1.x speaks only that). A new client per connection, with
 * reconnectPeriod 0: every (re)connect carries a freshly signed connect token, and MQTT.js never replays its
 * in-memory store (it does so one message per round trip; the outbox is our only durable queue and is
 * drained by the publisher itself, DEPENDENCIES.md "mqtt"). clean=true: nothing of ours lives in the broker.
 */
export async function openSession(o: SessionOptions): Promise<MqttClient> {
  const password = await makeConnectToken(o.device, o.clientId, Math.floor(o.tokenTime), o.signer, o.counter);
  return connect(o.url, {
    protocolVersion: 4,
    clientId: o.clientId,
    username: o.device,
    password,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: o.connectTimeoutMs,
    keepalive: o.keepaliveS,
    will: {
      topic: deviceTopic(o.org, o.device, Channel.Status),
      payload: STATUS_OFFLINE,
      qos: 1,
      retain: true,
    },
  });
}

/** Resolves when the client is connected, rejects with the reason when it closes or fails first. */
export function whenConnected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onConnect = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      lastError = err;
    };
    const onClose = () => {
      cleanup();
      reject(lastError ?? new Error('connection closed before CONNACK'));
    };
    const cleanup = () => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

/** Publishes QoS 1 and resolves on PUBACK; rejects if the connection goes first. */
export function publishQos1(client: MqttClient, topic: string, payload: Buffer | string, retain = false) {
  return new Promise<void>((resolve, reject) => {
    client.publish(topic, payload, { qos: 1, retain }, (err) => (err ? reject(err) : resolve()));
  });
}

/** Forced end: no DISCONNECT, so the broker publishes the will; callbacks of in-flight messages fail. */
export function endSession(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(true, {}, () => resolve()));
}
