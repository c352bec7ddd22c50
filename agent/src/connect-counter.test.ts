import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { brokerUrls } from './broker-urls.js';
import { parseAgentConfig } from './config.js';
import { CONNECT_COUNTER_FILE, openConnectCounter } from './connect-counter.js';
import { LOCAL_STATE_FILE, loadLocalState } from './local-alarm-state.js';
import type { Log } from './log.js';

let dir: string;
let errors: string[];
const log: Log = { info() {}, warn() {}, error: (m) => void errors.push(m) };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldtrail-ctr-'));
  errors = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('connect counter', () => {
  it('starts from the wall clock, grows by one, and is on disk before it is used (survives a reopen)', () => {
    const c = openConnectCounter(dir, () => 1_000_000.7, log);
    expect(c.next()).toBe(1_000_000);
    expect(JSON.parse(readFileSync(join(dir, CONNECT_COUNTER_FILE), 'utf8'))).toEqual({
      v: 1,
      counter: 1_000_000,
    });
    expect(c.next()).toBe(1_000_001);
    // a reopen (restart) with a clock far behind still goes on from the file
    expect(openConnectCounter(dir, () => 5, log).next()).toBe(1_000_002);
    expect(readdirSync(dir)).toEqual([CONNECT_COUNTER_FILE]); // no temp file left behind
  });

  it('moves a damaged file aside, reports it and counts on from the clock', () => {
    writeFileSync(join(dir, CONNECT_COUNTER_FILE), '{"v":1,"counter":');
    const c = openConnectCounter(dir, () => 2_000_000, log);
    expect(c.next()).toBe(2_000_000);
    expect(errors).toEqual([expect.stringMatching(/connect counter file was damaged/)]);
    expect(existsSync(join(dir, `${CONNECT_COUNTER_FILE}.damaged-2000000`))).toBe(true);
  });
});

describe('local state file', () => {
  it('a damaged file is moved aside and reported, never trusted', () => {
    writeFileSync(join(dir, LOCAL_STATE_FILE), '{"v":1,"config":{"message":');
    expect(loadLocalState(dir, 7, log)).toMatchObject({ config: null, pending: [], nextId: 1 });
    expect(errors).toEqual([expect.stringMatching(/local state file .* was damaged/)]);
    expect(existsSync(join(dir, `${LOCAL_STATE_FILE}.damaged-7`))).toBe(true);
  });
});

describe('broker URLs in the agent config', () => {
  const base = { device: 'd-1', org: 'o', dataDir: '/data' };
  it('mqttUrl is a list of one; mqttUrls keeps its order; each URL is validated; exactly one of them', () => {
    expect(brokerUrls(parseAgentConfig({ ...base, mqttUrl: 'mqtt://a:1' }, {}))).toEqual(['mqtt://a:1']);
    expect(brokerUrls(parseAgentConfig({ ...base, mqttUrls: ['mqtts://b:8883', 'mqtt://a:1'] }, {}))).toEqual(
      ['mqtts://b:8883', 'mqtt://a:1'],
    );
    const problems = (input: unknown) => {
      try {
        parseAgentConfig(input, {});
      } catch (err) {
        return (err as { details: { problems: string[] } }).details.problems;
      }
      return [];
    };
    expect(problems({ ...base, mqttUrls: ['mqtt://a:1', 'http://b'] })).toEqual([
      expect.stringMatching(/^mqttUrls\[1\]: must be a URL with one of the schemes/),
    ]);
    expect(problems({ ...base, mqttUrls: [] })).toEqual([expect.stringMatching(/^mqttUrls:/)]);
    expect(problems(base)).toEqual([expect.stringMatching(/^mqttUrl: name the broker/)]);
    expect(problems({ ...base, mqttUrl: 'mqtt://a:1', mqttUrls: ['mqtt://b:1'] })).toEqual([
      expect.stringMatching(/\(not both\)/),
    ]);
    expect(
      brokerUrls(parseAgentConfig(base, { COLDTRAIL_AGENT_MQTT_URLS: 'mqtt://a:1,mqtt://b:2' })),
    ).toEqual(['mqtt://a:1', 'mqtt://b:2']);
  });
});
