import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type AgentStatusReport, Outbox, openCheckedOutbox } from '@coldtrail/agent';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { agentInit } from './agent-init.js';
import { agentStatus } from './agent-status.js';

const T0 = Date.UTC(2026, 0, 1);

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

let dir: string;
let config: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coldtrail-agent-status-'));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await agentInit({
      dir,
      device: 'truck-3',
      org: 'acme',
      mqttUrl: ['mqtt://127.0.0.1:1883'],
      source: ['modbus:///dev/ttyUSB0?unit=1'],
      json: true,
    });
  } finally {
    write.mockRestore();
  }
  config = join(dir, 'agent.yaml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function status(json: boolean): Promise<string> {
  let text = '';
  await agentStatus(
    { config, json },
    {
      env: {},
      out: (t) => {
        text += t;
      },
    },
  );
  return text;
}

describe('coldtrail agent status', () => {
  it('reads a stopped agent outbox through agent.yaml and changes nothing in its data directory', async () => {
    const o = Outbox.open(join(dir, 'outbox.sqlite'), { device: 'truck-3' });
    for (let i = 0; i < 5; i++)
      o.append([{ sensor: 'p', kind: 'temperature', value: 4, unit: 'CEL' }], T0 + i);
    o.close();
    const before = hashTree(dir);
    const report = JSON.parse(await status(true)) as AgentStatusReport;
    expect(report).toMatchObject({
      device: 'truck-3',
      agent: { state: 'never-started' },
      outbox: { state: 'ok' },
      committedUpTo: 5,
      ackedUpTo: { seq: 0 },
      backlog: { unbatched: 5, batchedNotAcked: 0, refused: 0, ackedKept: 0 },
      disk: { budgetBytes: 1024 ** 3 },
    });
    const text = await status(false);
    expect(text).toMatch(/^committed {3}up to #5$/m);
    expect(text).toMatch(/^backlog {5}5 unbatched, 0 batched not acked/m);
    expect(hashTree(dir)).toEqual(before);
  });

  it('says the outbox is corrupt and the agent refuses to start, after a start moved it aside', async () => {
    const o = Outbox.open(join(dir, 'outbox.sqlite'), { device: 'truck-3' });
    o.append([{ sensor: 'p', kind: 'temperature', value: 4, unit: 'CEL' }], T0);
    o.close();
    truncateSync(join(dir, 'outbox.sqlite'), 3000);
    expect(() => openCheckedOutbox(join(dir, 'outbox.sqlite'), { device: 'truck-3' })).toThrow(/is damaged/);
    const before = hashTree(dir);
    expect(await status(false)).toMatch(
      /^outbox {6}CORRUPT: moved aside as outbox\.corrupt-.*refuses to start/m,
    );
    expect(hashTree(dir)).toEqual(before);
  });

  it('fails with NOT_FOUND naming agent init when the config is missing', async () => {
    await expect(agentStatus({ config: join(dir, 'nope.yaml') }, { env: {} })).rejects.toThrow(
      /coldtrail agent init/,
    );
  });
});
