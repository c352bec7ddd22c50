import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgentYaml, parseAgentYaml } from '@coldtrail/agent';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * deploy/ as an installer uses it: the systemd units pass `systemd-analyze verify`, the install script parses
 * and passes shellcheck, and the example config loads with the agent's own loader (its commented-out settings
 * too, so the documentation cannot drift from the schema).
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const deploy = (f: string) => join(repo, 'deploy', f);
const tmp = mkdtempSync(join(tmpdir(), 'coldtrail-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function need(tool: string, apt: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (!found) throw new Error(`${tool} is needed for the deploy tests: apt-get install -y ${apt}`);
}

/** Runs `systemd-analyze verify` on a copy of the unit whose ExecStart points at this checkout. */
function verify(
  unit: string,
  text = readFileSync(deploy(unit), 'utf8'),
): { status: number | null; out: string } {
  const file = join(tmp, unit);
  writeFileSync(
    file,
    text.replaceAll('/usr/bin/node ', `${process.execPath} `).replaceAll('/opt/coldtrail/', `${repo}/`),
  );
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  // Warnings about the unit file itself (unknown keys, bad values) are failures; systemd-analyze says them
  // naming the file, and still exits 0 for some.
  const out = `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l.includes(file))
    .join('\n');
  return { status: r.status, out };
}

describe('deploy/ systemd units', () => {
  it.each(['coldtrail-agent.service', 'coldtrail-server.service'])(
    '%s passes systemd-analyze verify',
    (unit) => {
      need('systemd-analyze', 'systemd');
      const r = verify(unit);
      expect(r.out).toBe('');
      expect(r.status).toBe(0);
    },
  );

  it('the check above catches a broken unit (an unknown key)', () => {
    need('systemd-analyze', 'systemd');
    const text = `${readFileSync(deploy('coldtrail-agent.service'), 'utf8')}\n[Service]\nWachdogSec=60\n`;
    expect(verify('broken.service', text).out).toMatch(/Unknown key.*WachdogSec/);
  });

  it('the agent unit is a notify service with a watchdog, restarts on failure and is hardened', () => {
    const unit = readFileSync(deploy('coldtrail-agent.service'), 'utf8');
    const settings = new Map<string, string[]>();
    for (const line of unit.split('\n')) {
      const m = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (m?.[1]) settings.set(m[1], [...(settings.get(m[1]) ?? []), m[2] ?? '']);
    }
    const one = (k: string) => settings.get(k)?.[0];
    expect(one('Type')).toBe('notify');
    expect(one('NotifyAccess')).toBe('all'); // systemd-notify sends from its own PID
    expect(Number(one('WatchdogSec'))).toBeGreaterThan(0);
    expect(one('Restart')).toBe('on-failure');
    expect(Number(one('RestartSec'))).toBeGreaterThan(0);
    expect(one('User')).toBe('coldtrail-agent');
    expect(one('SupplementaryGroups')).toBe('dialout gpio');
    for (const [k, v] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['ReadWritePaths', '/var/lib/coldtrail-agent'],
      ['DevicePolicy', 'closed'],
    ]) {
      expect(one(k as string), k).toBe(v);
    }
    expect(settings.get('DeviceAllow')).toEqual(expect.arrayContaining(['char-ttyUSB rw', 'char-ttyAMA rw']));
    expect(one('ExecStart')).toMatch(
      /coldtrail\.js agent start --config \/var\/lib\/coldtrail-agent\/agent\.yaml$/,
    );
  });
});

describe('deploy/install-agent.sh', () => {
  it('parses (bash -n) and passes shellcheck', () => {
    need('shellcheck', 'shellcheck');
    const syntax = spawnSync('bash', ['-n', deploy('install-agent.sh')], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
    const lint = spawnSync('shellcheck', [deploy('install-agent.sh')], { encoding: 'utf8' });
    expect(lint.stdout).toBe('');
    expect(lint.status).toBe(0);
  });

  it('prints its usage with --help and refuses an unknown option (exit 2) before touching the system', () => {
    const help = spawnSync('bash', [deploy('install-agent.sh'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--device ID --org MSP --mqtt-url URL/);
    const bad = spawnSync('bash', [deploy('install-agent.sh'), '--frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown option --frobnicate/);
  });
});

describe('deploy/agent.example.yaml', () => {
  it('loads with loadAgentYaml', async () => {
    const cfg = await loadAgentYaml(deploy('agent.example.yaml'), {});
    expect(cfg.device).toBe('pi-042');
    expect(cfg.sources.length).toBeGreaterThanOrEqual(4);
  });

  it('its commented-out settings load too once uncommented (the documentation matches the schema)', () => {
    const text = readFileSync(deploy('agent.example.yaml'), 'utf8');
    const optional = text
      .split('\n')
      .map((l) => /^# ([a-z][A-Za-z]+: .+)$/.exec(l)?.[1])
      .filter((l): l is string => l !== undefined);
    expect(optional.length).toBeGreaterThanOrEqual(3);
    const perSource = /^#\s+(- \{ address: .+\})$/m.exec(text)?.[1];
    expect(perSource).toBeDefined();
    const uncommented = text.replace(/^sources:\n/m, `sources:\n  ${perSource}\n`) + optional.join('\n');
    expect(() => parseAgentYaml(uncommented, { env: {} })).not.toThrow();
  });
});
