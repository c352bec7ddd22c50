import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentStatusReport, StatusFile } from '@coldtrail/agent';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../agent/src/fixtures/wait.js';
import { hashTree } from './data-dir-kit.js';
import { json, runCli } from './run-cli.js';
import { startService } from './service-process.js';

/**
 * `coldtrail agent status` beside a real `coldtrail agent start` process, and after it stopped (SIGTERM) or
 * was killed (SIGKILL): it reports what the outbox holds and whether the agent runs, and changes no byte of the
 * data directory (after a kill -9, SQLite rebuilds the -shm cache, as any first opener does). The broker is
 * unreachable and the serial port missing, so the agent records faults; the sampling interval (1 h) and the
 * reconnect backoff (1 h) keep it from writing anything after its first cycle, so the directory stands still
 * while status reads it.
 */
const root = await mkdtemp(join(tmpdir(), 'coldtrail-agent-status-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const QUIET = { COLDTRAIL_AGENT_RECONNECT_MIN_MS: '3600000', COLDTRAIL_AGENT_RECONNECT_MAX_MS: '3600000' };
const statusJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as StatusFile;

async function setUp(name: string) {
  const dir = join(root, name);
  const init = await runCli([
    'agent',
    'init',
    '--dir',
    dir,
    '--device',
    'pi-9',
    '--org',
    'Org1MSP',
    '--mqtt-url',
    `mqtt://127.0.0.1:${await closedPort()}`,
    '--source',
    `modbus://${join(dir, 'no-such-tty')}?unit=1`,
    '--interval',
    '1h',
  ]);
  expect(init.code, init.stderr).toBe(0);
  const config = join(dir, 'agent.yaml');
  const agent = startService(['agent', 'start', '--config', config], QUIET);
  await eventually(
    () => existsSync(join(dir, 'status.json')) && statusJson(dir).sources[0]?.health !== 'unknown',
    `the first cycle (${agent.stderr()})`,
    30_000,
  );
  await eventually(() => existsSync(join(dir, 'connect-counter.json')), 'the first connect attempt', 30_000);
  return { dir, config, agent };
}

const status = async (config: string) => {
  const r = await runCli(['agent', 'status', '--config', config, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return json<AgentStatusReport>(r);
};

describe('coldtrail agent status (real processes)', () => {
  it('reads a running agent, then a stopped one, changing nothing either time', async () => {
    const { dir, config, agent } = await setUp('running');
    try {
      const before = hashTree(dir);
      expect(Object.keys(before)).toEqual(expect.arrayContaining(['outbox.sqlite-wal', 'outbox.sqlite-shm']));
      const r = await status(config);
      expect(hashTree(dir)).toEqual(before);
      expect(r.agent).toMatchObject({ state: 'running', pid: agent.pid });
      expect(r.device).toBe('pi-9');
      expect(r.committedUpTo).toBeGreaterThanOrEqual(1);
      expect(r.ackedUpTo.seq).toBe(0);
      expect(r.backlog.unbatched + r.backlog.batchedNotAcked).toBe(r.committedUpTo);
      expect(r.connection?.state).toBe('disconnected');
      expect(r.sources[0]?.health).not.toBe('ok');
      expect(r.disk.usedBytes).toBeGreaterThan(0);

      expect((await agent.stop('SIGTERM')).code, agent.stderr()).toBe(0);
      const stopped = hashTree(dir);
      expect(Object.keys(stopped).filter((n) => n.startsWith('outbox'))).toEqual(['outbox.sqlite']);
      const s = await status(config);
      expect(hashTree(dir)).toEqual(stopped);
      expect(s.agent.state).toBe('stopped');
      expect(s.committedUpTo).toBe(r.committedUpTo);
    } finally {
      await agent.stop('SIGKILL');
    }
  });

  it('after kill -9: reports the agent stopped and every committed record, changing no data file', async () => {
    const { dir, config, agent } = await setUp('killed');
    const live = await status(config);
    await agent.stop('SIGKILL');
    // The -shm is SQLite's wal-index, a cache of the -wal, not data: the first connection to open a WAL
    // database after its last one died (the restarted agent, or a reader such as this) truncates and rebuilds
    // it from the -wal (sqlite.org/walformat.html, "The Wal-Index or -shm file"). Every other file, the -wal included, stays unchanged.
    const dataFiles = () => {
      const { 'outbox.sqlite-shm': _shm, ...rest } = hashTree(dir);
      return rest;
    };
    const before = dataFiles();
    expect(Object.keys(before)).toContain('outbox.sqlite-wal');
    const s = await status(config);
    expect(dataFiles()).toEqual(before);
    expect(existsSync(join(dir, 'outbox.sqlite-shm'))).toBe(true);
    expect(s.agent.state).toBe('stopped');
    expect(s.committedUpTo).toBe(live.committedUpTo);
  });
});
