import { isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { parseAgentYaml } from './agent-yaml.js';
import { parseAgentConfig } from './config.js';
import { limitsOutOfRange, sourceSchedules } from './sampling-config.js';

const base = { device: 'd-1', org: 'acme', dataDir: '/tmp/x', mqttUrl: 'mqtt://127.0.0.1:1883' };
const problems = (input: object): string => {
  try {
    parseAgentConfig({ ...base, ...input }, {});
  } catch (e) {
    if (isColdtrailError(e, 'INVALID_CONFIG')) return e.message;
    throw e;
  }
  throw new Error('expected INVALID_CONFIG');
};

describe('sampling and disk settings', () => {
  it('takes plain addresses and objects with their own intervals (ms or durations)', () => {
    const cfg = parseAgentConfig(
      {
        ...base,
        samplePeriodMs: 60_000,
        sources: [
          'modbus:///dev/ttyUSB0?unit=1',
          { address: 'modbus:///dev/ttyUSB0?unit=2', interval: '5m', fastInterval: '30s' },
          { address: 'w1://28-00000abc', interval: 1500 },
          { address: 'w1://28-00000abd', fastInterval: '1m30s' },
        ],
        alarmLimits: { lowerC: 2, upperC: 8 },
        diskBudgetBytes: 100_000_000,
      },
      {},
    );
    expect(sourceSchedules(cfg)).toEqual([
      { address: 'modbus:///dev/ttyUSB0?unit=1', intervalMs: 60_000 },
      { address: 'modbus:///dev/ttyUSB0?unit=2', intervalMs: 300_000, fastIntervalMs: 30_000 },
      { address: 'w1://28-00000abc', intervalMs: 1500 },
      { address: 'w1://28-00000abd', intervalMs: 60_000, fastIntervalMs: 60_000 }, // never slower than interval
    ]);
    expect(cfg.diskBudgetBytes).toBe(100_000_000);
    expect(cfg.diskWarnBytes).toBeUndefined();
    expect(parseAgentConfig(base, {}).diskBudgetBytes).toBe(1024 ** 3);
  });

  it('reads the same settings from agent.yaml, durations and sizes with their units', () => {
    const cfg = parseAgentYaml(
      [
        'device: d-1',
        'org: acme',
        'dataDir: /tmp/x',
        'mqttUrl: mqtt://127.0.0.1:1883',
        'interval: 1m',
        'sources:',
        '  - modbus:///dev/ttyUSB0?unit=1',
        '  - address: modbus:///dev/ttyUSB0?unit=2',
        '    interval: 5m',
        '    fastInterval: 30s',
        'alarmLimits: {lowerC: 2, upperC: 8}',
        'diskBudget: 64MB',
        'diskWarn: 48MB',
      ].join('\n'),
      { env: {} },
    );
    expect(sourceSchedules(cfg)).toEqual([
      { address: 'modbus:///dev/ttyUSB0?unit=1', intervalMs: 60_000 },
      { address: 'modbus:///dev/ttyUSB0?unit=2', intervalMs: 300_000, fastIntervalMs: 30_000 },
    ]);
    expect(cfg).toMatchObject({
      alarmLimits: { lowerC: 2, upperC: 8 },
      diskBudgetBytes: 64_000_000,
      diskWarnBytes: 48_000_000,
    });
  });

  it('names every bad setting', () => {
    const msg = problems({
      sources: [
        { address: 'x://1', interval: '5 parsecs' },
        { address: 'x://2', interval: '1m', fastInterval: '2m' },
        {},
      ],
      alarmLimits: { lowerC: 8, upperC: 2 },
      diskBudgetBytes: 1000,
    });
    expect(msg).toMatch(/sources\[0\]\.interval: must be a whole number of milliseconds >= 1 or a duration/);
    expect(msg).toMatch(/sources\[1\]\.fastInterval: must not be longer than interval/);
    expect(msg).toMatch(/sources\[2\]: must be an address URL, or {address, interval, fastInterval}/);
    expect(msg).toMatch(/alarmLimits\.upperC: must be above lowerC/);
    expect(msg).toMatch(/diskBudgetBytes: .*65536/);
    expect(problems({ diskBudgetBytes: 1_000_000, diskWarnBytes: 1_000_000 })).toMatch(
      /diskWarnBytes: must be below diskBudgetBytes/,
    );
  });

  it('calls a source out of range while any of its last temperatures is outside the limits', () => {
    const out = limitsOutOfRange({ lowerC: 2, upperC: 8 });
    const t = (value: number) => ({ sensor: 'p', kind: 'temperature' as const, value, unit: 'CEL' as const });
    expect(out('a', [t(5)])).toBe(false);
    expect(out('a', [t(8)])).toBe(false); // the limits themselves are in range
    expect(out('a', [t(5), t(8.1)])).toBe(true);
    expect(out('a', [t(1.9)])).toBe(true);
    expect(out('a', [{ sensor: 'p', kind: 'humidity', value: 99, unit: 'P1' }])).toBe(false);
    expect(limitsOutOfRange(undefined)('a', [t(40)])).toBe(false);
  });
});
