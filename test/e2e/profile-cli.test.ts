import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { json, runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'coldtrail-profile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('coldtrail profile list|show', () => {
  it('lists the five shipped profiles, each with its URI', async () => {
    const r = await runCli(['profile', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { profiles } = json<{ profiles: { id: string; uri: string }[] }>(r);
    expect(profiles.map((p) => p.id).sort()).toEqual([
      '15-25C',
      '2-8C',
      'frozen',
      'ultra-cold',
      'who-pqs-e006',
    ]);
    for (const p of profiles) expect(p.uri).toBe(`https://coldtrail.dev/profiles/${p.id.toLowerCase()}/v1`);
  });

  it('shows the WHO PQS E006 alarms as the recorder specification states them', async () => {
    const r = await runCli(['profile', 'show', 'https://coldtrail.dev/profiles/who-pqs-e006/v1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { profile, digest } = json<{ profile: { zones: unknown[] }; digest: string }>(r);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(profile.zones).toEqual([
      expect.objectContaining({
        id: 'low',
        direction: 'below',
        limit: -0.5,
        inclusive: true,
        alarms: [{ kind: 'single-event', delayMinutes: 60 }],
      }),
      expect.objectContaining({
        id: 'high',
        direction: 'above',
        limit: 8,
        inclusive: true,
        alarms: [{ kind: 'single-event', delayMinutes: 600 }],
      }),
    ]);
    const text = await runCli(['profile', 'show', 'who-pqs-e006']);
    expect(text.stdout).toMatch(/low +temperature <= -0.5 °C +single-event 60 min/);
  });

  it('reads a profile file of one’s own, and names every problem of a bad one (exit 2, no stack)', async () => {
    const good = join(root, 'insulin.yaml');
    writeFileSync(
      good,
      [
        'uri: https://example.com/profiles/insulin/v3',
        'id: insulin',
        'version: 3',
        'title: Insulin pens',
        'samplePeriodSeconds: 60',
        'zones:',
        '  - { id: high, above: 8, alarms: [{ kind: instant }] }',
        '  - { id: low, below: 2, alarms: [{ kind: single-event, delayMinutes: 30 }] }',
      ].join('\n'),
    );
    const ok = await runCli(['profile', 'show', good, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json<{ profile: { id: string } }>(ok).profile.id).toBe('insulin');
    const bad = join(root, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'uri: ftp://x',
        'id: "no spaces allowed"',
        'version: 0',
        'title: x',
        'samplePeriodSeconds: -1',
        'zones:',
        '  - { id: high, above: 8, below: 2, alarms: [] }',
      ].join('\n'),
    );
    const r = await runCli(['profile', 'show', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    for (const path of ['uri', 'id', 'version', 'samplePeriodSeconds', 'zones[0]'])
      expect(r.stderr).toContain(`${path}:`);
    const missing = await runCli(['profile', 'show', join(root, 'nope.yaml')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('nope.yaml');
  });
});
