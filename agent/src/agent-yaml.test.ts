import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentYaml, parseAgentYaml } from './agent-yaml.js';
import { AgentConfigSchema } from './config.js';
import { parseDuration, parseSize } from './units.js';

const dir = mkdtempSync(join(tmpdir(), 'coldtrail-agent-yaml-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The schema has `mqttUrls` once failover lands; until then one URL maps to `mqttUrl`. */
const urlsOf = (cfg: Record<string, unknown>) => (cfg.mqttUrls as string[] | undefined) ?? [cfg.mqttUrl];
const hasUrls = 'mqttUrls' in AgentConfigSchema.shape;

const GOOD = `
device: pi-042
org: Org1MSP
dataDir: ./data
mqtt:
  urls: [mqtt://127.0.0.1:1883]
  keepalive: 1m
interval: 30s
sources:
  - modbus:///dev/ttyUSB0?baud=9600&unit=1
batch:
  maxRecords: 50
  maxAge: 2m
retention: 3d
reconnect: { min: 250ms, max: 1m30s }
`;

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    return ((err as { details?: { problems?: string[] } }).details?.problems ?? []) as string[];
  }
  throw new Error('expected the config to be refused');
};

describe('units', () => {
  it('reads durations and sizes with units, refuses bare numbers and junk', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    for (const bad of ['', '60', 's', '5 minutes', '1h 30m', '-1s', '1sx'])
      expect(parseDuration(bad), bad).toBe(undefined);
    expect(parseSize('512MB')).toBe(512_000_000);
    expect(parseSize('256MiB')).toBe(256 * 1024 * 1024);
    expect(parseSize('1.5 GB')).toBe(1_500_000_000);
    expect(parseSize('10kb')).toBe(10_000);
    for (const bad of ['', '512', 'MB', '5XB', '-1MB']) expect(parseSize(bad), bad).toBe(undefined);
  });
});

describe('agent.yaml', () => {
  it('maps readable keys onto the agent config: durations, sections, relative paths, broker URLs', () => {
    const cfg = parseAgentYaml(GOOD, { baseDir: '/etc/coldtrail', env: {} });
    expect(cfg).toMatchObject({
      device: 'pi-042',
      org: 'Org1MSP',
      dataDir: '/etc/coldtrail/data',
      keepaliveS: 60,
      samplePeriodMs: 30_000,
      sources: ['modbus:///dev/ttyUSB0?baud=9600&unit=1'],
      batchMaxRecords: 50,
      batchMaxAgeMs: 120_000,
      retentionMs: 3 * 86_400_000,
      reconnectMinMs: 250,
      reconnectMaxMs: 90_000,
    });
    expect(urlsOf(cfg)).toEqual(['mqtt://127.0.0.1:1883']);
  });

  it('takes the schema key names too, with or without a unit in the value', () => {
    const cfg = parseAgentYaml(
      'device: d\norg: o\ndataDir: /data\nmqttUrl: mqtt://h:1\nsamplePeriodMs: 1500\nbatchMaxAgeMs: 1m\n',
      { env: {} },
    );
    expect(cfg).toMatchObject({ dataDir: '/data', samplePeriodMs: 1500, batchMaxAgeMs: 60_000 });
    expect(urlsOf(cfg)).toEqual(['mqtt://h:1']);
  });

  it('lists several broker URLs for failover (refused, saying so, while the schema takes one)', () => {
    const text = GOOD.replace('[mqtt://127.0.0.1:1883]', '[mqtt://a:1883, mqtt://b:1883]');
    if (hasUrls) {
      expect(urlsOf(parseAgentYaml(text, { env: {} }))).toEqual(['mqtt://a:1883', 'mqtt://b:1883']);
    } else {
      expect(problemsOf(() => parseAgentYaml(text, { env: {} }))).toEqual([
        expect.stringMatching(/^mqtt\.urls: .*\(line 6\)$/),
      ]);
    }
  });

  it('applies COLDTRAIL_AGENT_<KEY> overrides on top, and names a bad one', () => {
    const cfg = parseAgentYaml(GOOD, { env: { COLDTRAIL_AGENT_SAMPLE_PERIOD_MS: '5000' } });
    expect(cfg.samplePeriodMs).toBe(5000);
    const p = problemsOf(() => parseAgentYaml(GOOD, { env: { COLDTRAIL_AGENT_SAMPLE_PERIOD_MS: 'soon' } }));
    expect(p).toEqual(['env COLDTRAIL_AGENT_SAMPLE_PERIOD_MS: must be a number (got "soon")']);
  });

  it('lists every problem at once as `path: message (line N)`, in YAML terms', () => {
    const p = problemsOf(() =>
      parseAgentYaml(
        [
          'device: "bad id"', // 1
          'dataDir: ./d', // 2
          'interval: 60', // 3
          'batch:', // 4
          '  maxAge: soon', // 5
          '  maxRecords: 0', // 6
          'sources: [modbus:///dev/x, 7]', // 7
          'colour: blue', // 8
          'mqtt: { urls: [http://x] }', // 9
        ].join('\n'),
        { env: {} },
      ),
    );
    expect(p).toContain('interval: needs a unit (e.g. 60s), or write it as samplePeriodMs (line 3)');
    expect(p).toContainEqual(
      expect.stringMatching(/^batch\.maxAge: must be a duration with a unit.*\(got "soon"\) \(line 5\)$/),
    );
    expect(p).toContainEqual(
      expect.stringMatching(
        /^colour: unknown setting \(the settings are: device, org, dataDir, .*samplePeriod.*\) \(line 8\)$/,
      ),
    );
    expect(p).toContainEqual(expect.stringMatching(/^device: must be 1-64 characters.*\(line 1\)$/));
    expect(p).toContainEqual(expect.stringMatching(/^batch\.maxRecords: .*\(line 6\)$/));
    expect(p).toContainEqual(expect.stringMatching(/^sources\[1\]: .*\(line 7\)$/));
    expect(p).toContainEqual(
      expect.stringMatching(/^mqtt\.urls.*: must be a URL with one of the schemes.*\(line 9\)$/),
    );
    expect(p).toContainEqual(expect.stringMatching(/^org: .*expected string/)); // missing: no line to point at
    expect(p.filter((x) => x.startsWith('interval'))).toHaveLength(1); // not again as "samplePeriodMs: required"
  });

  it('reports YAML syntax errors with their line and column, and a file that is no mapping', () => {
    const p = problemsOf(() => parseAgentYaml('device: a\norg: [unclosed\ndataDir: x\n'));
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]).toMatch(/^line \d+, column \d+: /);
    expect(problemsOf(() => parseAgentYaml('device: a\ndevice: b\n'))[0]).toMatch(
      /^line 2, column 1: .*unique/i,
    );
    for (const text of ['', '- a\n- b\n', 'just text']) {
      expect(problemsOf(() => parseAgentYaml(text))).toEqual([
        '(root): must be a mapping of settings such as device, org, dataDir, mqtt, sources',
      ]);
    }
  });

  it('loads a file, resolving relative paths against its own directory; a missing file is NOT_FOUND', async () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, GOOD);
    const cfg = await loadAgentYaml(file, {});
    expect(cfg.dataDir).toBe(join(dir, 'data'));
    await expect(loadAgentYaml(join(dir, 'nope.yaml'), {})).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/coldtrail agent init/),
    });
    writeFileSync(file, 'device: [\n');
    await expect(loadAgentYaml(file, {})).rejects.toThrow(new RegExp(`${file} is not valid YAML`));
  });
});
