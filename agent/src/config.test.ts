import { isColdtrailError } from '@coldtrail/core';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from './config.js';

const base = {
  device: 'truck-12',
  org: 'acme',
  dataDir: '/var/lib/coldtrail',
  mqttUrl: 'mqtt://127.0.0.1:1883',
};

const problems = (input: unknown, env: Record<string, string>) => {
  try {
    parseAgentConfig(input, env);
  } catch (err) {
    expect(isColdtrailError(err, 'INVALID_CONFIG')).toBe(true);
    expect((err as Error).message).toMatch(/^invalid agent config:\n {2}/);
    return (err as { details: { problems: string[] } }).details.problems;
  }
  return [];
};

describe('agent config from the environment', () => {
  it('takes COLDTRAIL_AGENT_<KEY> over the given values, typed by the schema', () => {
    const cfg = parseAgentConfig(base, {
      COLDTRAIL_AGENT_SAMPLE_PERIOD_MS: '1000',
      COLDTRAIL_AGENT_MQTT_URL: 'mqtts://broker.example:8883',
      COLDTRAIL_AGENT_SOURCES: 'modbus:///dev/ttyUSB0?unit=1,w1://28-00000abc',
    });
    expect(cfg).toMatchObject({
      samplePeriodMs: 1000,
      mqttUrl: 'mqtts://broker.example:8883',
      sources: ['modbus:///dev/ttyUSB0?unit=1', 'w1://28-00000abc'],
      device: 'truck-12',
    });
    expect(parseAgentConfig(base, {}).samplePeriodMs).toBe(60_000);
  });

  it('names the variable of a wrong or unknown setting, with the other problems', () => {
    expect(
      problems(
        { ...base, device: 'bad id' },
        {
          COLDTRAIL_AGENT_SAMPLE_PERIOD_MS: 'every minute',
          COLDTRAIL_AGENT_RECONNECT_MAX_MS: '1', // below reconnectMinMs: the schema's rule, named by its variable
          COLDTRAIL_AGENT_SAMPLEPERIOD: '5',
        },
      ),
    ).toEqual([
      'env COLDTRAIL_AGENT_SAMPLE_PERIOD_MS: must be a number (got "every minute")',
      expect.stringMatching(
        /^env COLDTRAIL_AGENT_SAMPLEPERIOD: unknown setting; agent reads COLDTRAIL_AGENT_DEVICE, /,
      ),
      expect.stringMatching(/^device: must be 1-64 characters/),
      'env COLDTRAIL_AGENT_RECONNECT_MAX_MS: must be at least reconnectMinMs',
    ]);
  });
});
