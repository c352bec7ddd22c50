import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { json, runCli } from './run-cli.js';
import { type ServiceProcess, startService } from './service-process.js';

/**
 * The product as a technician and an operator run it, as separate processes: `coldtrail sim start` (the
 * devices), `coldtrail server start` (broker, ingest, ledger-sync, ledger), `coldtrail agent init|start` on the
 * "Pi", with the device enrolled and the shipment created and completed by command.
 */
export const ORG = 'Org1MSP';
export const DEVICE = 'pi-0001';

export interface Stack {
  root: string;
  serverDir: string;
  agentConfig: string;
  mqttUrl: string;
  sim: ServiceProcess;
  server: ServiceProcess;
  processes: ServiceProcess[];
  startAgent(): ServiceProcess;
  /** `coldtrail agent status --json` (reads only). */
  agentStatus(): Promise<AgentStatusJson>;
}

export interface AgentStatusJson {
  committedUpTo: number;
  ackedUpTo: { seq: number; at: string | null };
  shipment: { sscc: string; profile: { lowerC: number; upperC: number } } | null;
  [key: string]: unknown;
}

export interface StackOptions {
  intervalMs?: number;
  /** Extra `server start` arguments (e.g. `--ledger fabric --fabric-connection FILE`). */
  serverArgs?: readonly string[];
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = await mkdtemp(join(tmpdir(), 'coldtrail-3p-'));
  const processes: ServiceProcess[] = [];
  const sim = startService(['sim', 'start', '--json']);
  processes.push(sim);
  const serverDir = join(root, 'server');
  const server = startService([
    'server',
    'start',
    '--data-dir',
    serverDir,
    '--org',
    ORG,
    '--json',
    ...(options.serverArgs ?? []),
  ]);
  processes.push(server);
  const [{ devices }, { mqttUrl }] = await Promise.all([
    sim.ready<{ devices: { kind: string; address: string }[] }>(),
    server.ready<{ mqttUrl: string }>(),
  ]);
  const modbus = devices.find((d) => d.kind === 'modbus');
  if (!modbus) throw new Error(`sim start offered no Modbus probe: ${JSON.stringify(devices)}`);
  const agentDir = join(root, 'agent');
  const init = await runCli([
    'agent',
    'init',
    '--dir',
    agentDir,
    '--device',
    DEVICE,
    '--org',
    ORG,
    '--mqtt-url',
    mqttUrl,
    '--source',
    `${modbus.address}&timeout=300&sensor=probe-1`,
    '--interval',
    `${options.intervalMs ?? 200}ms`,
    '--json',
  ]);
  expect(init.code, init.stderr).toBe(0);
  const { publicKey, config } = json<{ publicKey: string; config: string }>(init);
  const keyFile = join(root, 'device.pem');
  await writeFile(keyFile, publicKey);
  const enrolled = await runCli([
    'device',
    'enroll',
    '--data-dir',
    serverDir,
    '--org',
    ORG,
    '--device',
    DEVICE,
    '--public-key',
    keyFile,
  ]);
  expect(enrolled.code, enrolled.stderr).toBe(0);
  return {
    root,
    serverDir,
    agentConfig: config,
    mqttUrl,
    sim,
    server,
    processes,
    startAgent() {
      const agent = startService(['agent', 'start', '--config', config]);
      processes.push(agent);
      return agent;
    },
    async agentStatus() {
      const r = await runCli(['agent', 'status', '--config', config, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return json<AgentStatusJson>(r);
    },
  };
}

/**
 * For a test file whose tests each start one stack: returns the start function and registers an afterEach that
 * kills the stack's processes (SIGKILL: a failed test must not leave a sim, server or agent running) and
 * removes its temp dir.
 */
export function stackPerTest(): (options?: StackOptions) => Promise<Stack> {
  let stack: Stack | undefined;
  afterEach(async () => {
    if (!stack) return;
    await Promise.all(stack.processes.map((p) => p.stop('SIGKILL')));
    await rm(stack.root, { recursive: true, force: true });
    stack = undefined;
  });
  return async (options) => {
    stack = await startStack(options);
    return stack;
  };
}

/** Polls `check` (every 100 ms) until it returns a value, failing with `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function createShipment(serverDir: string): Promise<string> {
  const r = await runCli(['shipment', 'create', '--data-dir', serverDir, '--device', DEVICE, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return json<{ shipment: string }>(r).shipment;
}

export async function completeShipment(serverDir: string, sscc: string) {
  const r = await runCli(['shipment', 'complete', sscc, '--data-dir', serverDir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return json<{ shipment: { fromSeq: number; toSeq: number } }>(r);
}

export async function provenance(serverDir: string, sscc: string) {
  const r = await runCli(['provenance', sscc, '--data-dir', serverDir, '--json']);
  return {
    code: r.code,
    report: json<{
      verification: { ok: boolean; checks: { name: string; ok: boolean; skipped?: boolean }[] };
      readings: Record<string, unknown>;
      shipment: { fromSeq: number; toSeq: number };
    }>(r),
  };
}
