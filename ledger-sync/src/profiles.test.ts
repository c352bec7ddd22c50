import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ColdtrailError, parseProfile } from '@coldtrail/core';
import { afterAll, describe, expect, it } from 'vitest';
import { listShippedProfiles, loadProfileFile, MAX_PROFILE_FILE_BYTES, shippedProfile } from './profiles.js';

const PROFILES_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'coldtrail-profiles-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): ColdtrailError {
  try {
    fn();
  } catch (err) {
    return err as ColdtrailError;
  }
  throw new Error('expected an error');
}

describe('shipped profiles', () => {
  it('ships the five profiles of issue 9, each valid, v1, one file per id at its URI', () => {
    const shipped = listShippedProfiles();
    expect(shipped.map((p) => p.id)).toEqual(['15-25C', '2-8C', 'frozen', 'ultra-cold', 'who-pqs-e006']);
    for (const p of shipped) {
      expect(p.version).toBe(1);
      expect(p.samplePeriodSeconds).toBe(60);
      expect(p.uri).toBe(`https://coldtrail.dev/profiles/${p.id.toLowerCase()}/v1`);
      // normalised: parses to itself, as the ledger will store it
      expect(parseProfile(p)).toEqual(p);
    }
    const files = readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(shipped.map((p) => `${p.id.toLowerCase()}.yaml`).sort());
  });

  it('carries the WHO PQS E006 alarms: <= -0.5 °C for 60 min, >= +8 °C for 10 h continuous', () => {
    expect(shippedProfile('who-pqs-e006')?.zones).toEqual([
      {
        id: 'low',
        measure: 'temperature',
        direction: 'below',
        limit: -0.5,
        inclusive: true,
        alarms: [{ kind: 'single-event', delayMinutes: 60 }],
      },
      {
        id: 'high',
        measure: 'temperature',
        direction: 'above',
        limit: 8,
        inclusive: true,
        alarms: [{ kind: 'single-event', delayMinutes: 600 }],
      },
    ]);
  });

  it('gives 2-8C every alarm kind, humidity and door zones and a 24 h MKT window; 15-25C 30 days', () => {
    const p = shippedProfile('2-8C');
    const zone = (id: string) => p?.zones.find((z) => z.id === id);
    expect(zone('high')).toMatchObject({ direction: 'above', limit: 8, inclusive: false });
    expect(zone('high')?.alarms.map((a) => a.kind)).toEqual(['instant', 'single-event', 'cumulative']);
    expect(zone('low')).toMatchObject({ direction: 'below', limit: 2, inclusive: false });
    expect(zone('humidity-high')).toMatchObject({ measure: 'humidity', limit: 75 });
    expect(zone('door-open')).toMatchObject({
      measure: 'door',
      alarms: [{ kind: 'single-event', delayMinutes: 5 }],
    });
    expect(p?.mkt).toEqual({ windowHours: 24, limitC: 8 });
    expect(shippedProfile('15-25C')?.mkt).toEqual({ windowHours: 720, limitC: 25 });
    const limits = (id: string) =>
      shippedProfile(id)
        ?.zones.filter((z) => z.id === 'high' || z.id === 'low')
        .map((z) => [z.id, z.limit]);
    expect(limits('frozen')).toEqual([
      ['high', -15],
      ['low', -25],
    ]);
    expect(limits('ultra-cold')).toEqual([
      ['high', -60],
      ['low', -80],
    ]);
  });

  it('finds a profile by id in any case or by its exact URI; an unknown one is undefined', () => {
    expect(shippedProfile('2-8c')?.id).toBe('2-8C');
    expect(shippedProfile('https://coldtrail.dev/profiles/frozen/v1')?.id).toBe('frozen');
    expect(shippedProfile('https://coldtrail.dev/profiles/frozen/v2')).toBeUndefined();
    expect(shippedProfile('deep-frozen')).toBeUndefined();
  });

  it('is found from the built module too (dist/ -> ../profiles), as from an installed package', async () => {
    const dist = new URL('../dist/profiles.js', import.meta.url).href;
    const built = (await import(dist)) as typeof import('./profiles.js');
    expect(built.listShippedProfiles().map((p) => p.id)).toEqual(listShippedProfiles().map((p) => p.id));
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      files: string[];
    };
    expect(pkg.files).toContain('profiles');
  });
});

describe('loadProfileFile', () => {
  it('reads a user profile written in the YAML shorthand', () => {
    const path = write(
      'insulin.yaml',
      [
        'uri: https://pharma.example/profiles/insulin/v3',
        'id: insulin',
        'version: 3',
        'title: Insulin pens in use',
        'samplePeriodSeconds: 300',
        'zones:',
        '  - id: high',
        '    atOrAbove: 30',
        '    alarms: [{ kind: cumulative, budgetMinutes: 120 }]',
      ].join('\n'),
    );
    expect(loadProfileFile(path).zones).toEqual([
      {
        id: 'high',
        measure: 'temperature',
        direction: 'above',
        limit: 30,
        inclusive: true,
        alarms: [{ kind: 'cumulative', budgetMinutes: 120 }],
      },
    ]);
  });

  it('names the file and lists every problem', () => {
    const path = write(
      'bad.yaml',
      [
        'uri: https://coldtrail.dev/profiles/bad/v2',
        'id: bad',
        'version: 1',
        'title: ""',
        'samplePeriodSeconds: 60',
        'zones:',
        '  - id: high',
        '    above: eight',
        '    alarms: [{ kind: single-event }]',
      ].join('\n'),
    );
    const err = errorOf(() => loadProfileFile(path));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message.split('\n')[0]).toBe(`invalid cold-chain profile ${path}:`);
    expect(err.details?.file).toBe(path);
    expect([...((err.details?.problems ?? []) as string[])].sort()).toEqual(
      [
        "uri: must end in /v1, the profile's version",
        'title: must not be empty',
        'zones[0].above: Invalid input: expected number, received string',
        'zones[0].alarms[0].delayMinutes: Invalid input: expected number, received undefined',
      ].sort(),
    );
  });

  it('refuses YAML that does not parse, with its line', () => {
    const path = write('broken.yaml', 'id: a\nid: b\n');
    const err = errorOf(() => loadProfileFile(path));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/broken\.yaml:\n {2}\(root\): not valid YAML at line 2, column 1: .*unique/);
  });

  it('refuses a file over 64 KiB without parsing it', () => {
    const path = write('huge.yaml', `# ${'x'.repeat(MAX_PROFILE_FILE_BYTES)}\n`);
    expect(() => loadProfileFile(path)).toThrow(/larger than 64 KiB/);
  });

  it('says NOT_FOUND for a missing file', () => {
    const err = errorOf(() => loadProfileFile(join(tmp, 'missing.yaml')));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/cannot read the profile file .*missing\.yaml \(ENOENT\)/);
  });
});
