// Test support for the `coldtrail server start` tests: the real CLI as a long-running child process, and a
// device with a real Ed25519 key that logs in with a signed connect token and publishes signed batches.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  Channel,
  deviceTopic,
  GENESIS_HASH,
  hashRecord,
  makeConnectToken,
  makeRecord,
  type ReadingRecord,
  type Signer,
  signBatch,
} from '@coldtrail/core';
import mqtt, { type MqttClient } from 'mqtt';
import { CLI } from './run-cli.js';
import { startService } from './service-process.js';

export interface ServerProcess {
  child: ChildProcess;
  /** The one line the server printed on stdout with --json. */
  info: { mqttUrl: string; dataDir: string; org: string; admin: string };
  stderr(): string;
  /** Sends `signal` and resolves with the exit code and signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `coldtrail server start --json ...` and resolves once it printed its line (it then accepts work). */
export async function startServerProcess(
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const p = startService(['server', 'start', '--json', ...args]);
  try {
    const info = await p.ready<ServerProcess['info']>(timeoutMs);
    return {
      child: p.child,
      info,
      stderr: p.stderr,
      stop: async (signal = 'SIGTERM') => {
        const { code, signal: by } = await p.stop(signal);
        return { code, signal: by as NodeJS.Signals | null };
      },
    };
  } catch (err) {
    await p.stop('SIGKILL');
    throw err;
  }
}

export interface TestDevice {
  id: string;
  org: string;
  /** SPKI PEM, as `agent init` prints it. */
  publicKeyPem: string;
  signer: Signer;
  /** The next signed batch of `n` temperature records, continuing the device's chain. */
  nextBatch(n: number): Promise<Buffer>;
}

export function makeTestDevice(id: string, org: string): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer: Signer = (m) => new Uint8Array(sign(null, m, privateKey));
  let seq = 0;
  let head = GENESIS_HASH;
  return {
    id,
    org,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    signer,
    async nextBatch(n) {
      const records: ReadingRecord[] = [];
      const now = Date.now();
      for (let i = 0; i < n; i++) {
        seq++;
        const sample = { sensor: 'probe-1', kind: 'temperature', value: 5, unit: 'CEL' } as const;
        const r = makeRecord(id, seq, now + i, sample, head);
        records.push(r);
        head = hashRecord(r);
      }
      return Buffer.from(JSON.stringify(await signBatch(records, head, signer)));
    },
  };
}

/** Connects as the device (signed token); resolves the client, or rejects with the CONNACK refusal. */
export async function connectAsDevice(url: string, device: TestDevice): Promise<MqttClient> {
  const password = await makeConnectToken(device.id, device.id, Date.now(), device.signer);
  const client = mqtt.connect(url, {
    clientId: device.id,
    username: device.id,
    password,
    reconnectPeriod: 0,
    protocolVersion: 4,
    connectTimeout: 10_000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  return client;
}

export const batchTopic = (device: TestDevice) => deviceTopic(device.org, device.id, Channel.Batches);

/** Runs the CLI with `input` on its stdin. */
export function runCliWithInput(
  args: readonly string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin?.end(input);
  });
}
