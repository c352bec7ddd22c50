import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envName, envSettings, parseConfig } from './config-schema.js';
import { isColdtrailError } from './errors.js';

const Schema = z.strictObject({
  dataDir: z.string().min(1),
  intervalMs: z.number().int().min(1).default(1000),
  verbose: z.boolean().default(false),
  sources: z.array(z.string()).default([]),
  ports: z.array(z.number().int()).default([]),
  retry: z
    .strictObject({ maxMs: z.number().default(60_000), enabled: z.boolean().default(true) })
    .prefault({}),
});

const problemsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
    return (err as { details: { problems: string[] } }).details.problems;
  }
  throw new Error('expected INVALID_CONFIG');
};

describe('parseConfig', () => {
  it('merges defaults and returns the typed config', () => {
    expect(parseConfig(Schema, { dataDir: '/d' }, { service: 'demo-svc', env: {} })).toEqual({
      dataDir: '/d',
      intervalMs: 1000,
      verbose: false,
      sources: [],
      ports: [],
      retry: { maxMs: 60_000, enabled: true },
    });
  });

  it('lists every problem as path: message, unknown keys one by one, under a heading', () => {
    let message = '';
    const problems = problemsOf(() => {
      try {
        parseConfig(
          Schema,
          { intervalMs: 0, retry: { maxMs: 'x', colour: 1 }, extra: 2 },
          { service: 'svc', env: {} },
        );
      } catch (err) {
        message = (err as Error).message;
        throw err;
      }
    });
    expect(problems).toEqual([
      expect.stringMatching(/^dataDir: /),
      expect.stringMatching(/^intervalMs: /),
      expect.stringMatching(/^retry\.maxMs: /),
      'retry.colour: unknown key (expected one of: maxMs, enabled)',
      'extra: unknown key (expected one of: dataDir, intervalMs, verbose, sources, ports, retry)',
    ]);
    expect(message).toBe(`invalid svc config:\n  ${problems.join('\n  ')}`);
  });

  it('names the root when asked and words unknown keys as told', () => {
    const o = { service: 'broker', env: {}, root: 'broker', unknownKey: () => 'unknown option' } as const;
    expect(problemsOf(() => parseConfig(Schema, 'x', o))).toEqual([expect.stringMatching(/^broker: /)]);
    expect(problemsOf(() => parseConfig(Schema, { dataDir: 'd', x: 1 }, o))).toEqual([
      'broker.x: unknown option',
    ]);
    expect(problemsOf(() => parseConfig(Schema, [], { service: 's', env: {} }))).toEqual([
      expect.stringMatching(/^\(root\): /),
    ]);
  });

  it('applies COLDTRAIL_<SERVICE>_<KEY> overrides over the input, typed by the schema', () => {
    const input = { dataDir: '/file', intervalMs: 5, retry: { maxMs: 7 } };
    const env = {
      COLDTRAIL_LEDGER_SYNC_DATA_DIR: '/env',
      COLDTRAIL_LEDGER_SYNC_INTERVAL_MS: ' 250 ',
      COLDTRAIL_LEDGER_SYNC_VERBOSE: 'yes',
      COLDTRAIL_LEDGER_SYNC_SOURCES: 'a, b,,c',
      COLDTRAIL_LEDGER_SYNC_PORTS: '[1, 2]',
      COLDTRAIL_LEDGER_SYNC_RETRY_ENABLED: 'false',
      COLDTRAIL_OTHER_THING: 'ignored: another service',
      PATH: '/bin',
    };
    expect(parseConfig(Schema, input, { service: 'ledger-sync', env })).toEqual({
      dataDir: '/env',
      intervalMs: 250,
      verbose: true,
      sources: ['a', 'b', 'c'],
      ports: [1, 2],
      retry: { maxMs: 7, enabled: false },
    });
    expect(input).toEqual({ dataDir: '/file', intervalMs: 5, retry: { maxMs: 7 } }); // not changed
    expect(
      parseConfig(Schema, { dataDir: 'd' }, { service: 's', env: { COLDTRAIL_S_PORTS: '3,4' } }).ports,
    ).toEqual([3, 4]);
  });

  it('reports a bad or unknown variable as env NAME: message, with every other problem', () => {
    const env = {
      COLDTRAIL_SVC_INTERVAL_MS: 'soon',
      COLDTRAIL_SVC_VERBOSE: 'maybe',
      COLDTRAIL_SVC_RETRY_MAX_MS: '-', // not a number
      COLDTRAIL_SVC_PORTS: '[1,',
      COLDTRAIL_SVC_INTERVALMS: '5', // typo
      COLDTRAIL_SVC_DATA_DIR: '', // wrong by the schema: reported under its variable
    };
    const problems = problemsOf(() =>
      parseConfig(Schema, { dataDir: '/d', colour: 1 }, { service: 'svc', env }),
    );
    expect(problems).toEqual([
      'env COLDTRAIL_SVC_INTERVAL_MS: must be a number (got "soon")',
      'env COLDTRAIL_SVC_VERBOSE: must be true or false (got "maybe")',
      'env COLDTRAIL_SVC_RETRY_MAX_MS: must be a number (got "-")',
      'env COLDTRAIL_SVC_PORTS: must be a JSON list or comma-separated values (got "[1,")',
      expect.stringMatching(
        /^env COLDTRAIL_SVC_INTERVALMS: unknown setting; svc reads COLDTRAIL_SVC_DATA_DIR, /,
      ),
      expect.stringMatching(/^env COLDTRAIL_SVC_DATA_DIR: /),
      expect.stringMatching(/^colour: unknown key/),
    ]);
    expect(
      problemsOf(() =>
        parseConfig(Schema, { dataDir: 'd' }, { service: 'svc', env: { COLDTRAIL_SVC_PORTS: '1,x' } }),
      ),
    ).toEqual(['env COLDTRAIL_SVC_PORTS: item "x" must be a number']);
  });

  it('takes no overrides with env: false, and defaults to process.env', () => {
    expect(parseConfig(Schema, { dataDir: 'd' }, { service: 'svc', env: false }).intervalMs).toBe(1000);
    const name = 'COLDTRAIL_CONFIG_SCHEMA_TEST_INTERVAL_MS';
    expect(process.env[name]).toBeUndefined();
    expect(parseConfig(Schema, { dataDir: 'd' }, { service: 'config-schema-test' }).intervalMs).toBe(1000);
  });

  it('names variables camelCase -> UPPER_SNAKE, nested keys joined with _', () => {
    expect(envName('agent', ['samplePeriodMs'])).toBe('COLDTRAIL_AGENT_SAMPLE_PERIOD_MS');
    expect(envName('ledger-sync', ['dataDir'])).toBe('COLDTRAIL_LEDGER_SYNC_DATA_DIR');
    expect(envSettings(Schema, 'x').map((s) => s.name)).toEqual([
      'COLDTRAIL_X_DATA_DIR',
      'COLDTRAIL_X_INTERVAL_MS',
      'COLDTRAIL_X_VERBOSE',
      'COLDTRAIL_X_SOURCES',
      'COLDTRAIL_X_PORTS',
      'COLDTRAIL_X_RETRY_MAX_MS',
      'COLDTRAIL_X_RETRY_ENABLED',
    ]);
  });
});
