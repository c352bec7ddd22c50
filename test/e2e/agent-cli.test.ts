import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentYaml, loadOrCreateDeviceKey, OUTBOX_FILE, Outbox } from '@coldtrail/agent';
import { publicKeyFromPem } from '@coldtrail/core';
import { loadScenario, openPtyPair, ptySupport, type SerialPair, startProbe } from '@coldtrail/firmware-sim';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestEmulator } from '../../agent/src/fixtures/ingest-emulator.js';
import { eventually } from '../../agent/src/fixtures/wait.js';
import { CLI, json, runCli } from './run-cli.js';

/**
 * `coldtrail agent init` and `coldtrail agent start` as a technician runs them: real processes, real files,
 * a simulated Modbus probe on a socat PTY pair, an MQTT broker with the real ingest, and a fake systemd
 * NOTIFY_SOCKET (a Unix datagram socket bound by python3) to see READY=1, WATCHDOG=1 and STOPPING=1.
 */
const root = await mkdtemp(join(tmpdir(), 'coldtrail-agent-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);
const mode = (path: string) => statSync(path).mode & 0o777;

interface InitJson {
  device: string;
  publicKey: string;
  config: string;
}

const init = (dir: string, extra: string[] = []) =>
  runCli([
    'agent',
    'init',
    '--dir',
    dir,
    '--device',
    'pi-7',
    '--org',
    'Org1MSP',
    '--mqtt-url',
    'mqtt://127.0.0.1:1883',
    ...extra,
  ]);

describe('coldtrail agent init', () => {
  it.each([[['agent', '--help']], [['agent', 'init', '--help']], [['agent', 'start', '--help']]])(
    '%j prints usage and exits 0',
    async (args) => {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: coldtrail agent/);
    },
  );

  it('creates the directory (0700), the key (0600) and a documented agent.yaml; prints the PEM public key', async () => {
    const dir = join(root, 'new', 'pi-7');
    const r = await init(dir, [
      '--source',
      'modbus:///dev/ttyUSB0?baud=9600&unit=1',
      '--interval',
      '30s',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = json<InitJson>(r);
    expect(out.device).toBe('pi-7');
    expect(out.config).toBe(join(dir, 'agent.yaml'));
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'device-key.pem'))).toBe(0o600);
    const key = await loadOrCreateDeviceKey(dir);
    expect(key.created).toBe(false);
    expect(publicKeyFromPem(out.publicKey)).toBe(key.publicKey);
    expect(readFileSync(join(dir, 'public-key.pem'), 'utf8')).toBe(out.publicKey);

    const yaml = readFileSync(out.config, 'utf8');
    const keys = yaml.split('\n').filter((l) => /^\s*[A-Za-z]+:/.test(l));
    const lines = yaml.split('\n');
    for (const k of keys)
      expect(lines[lines.indexOf(k) - 1], `comment above "${k}"`).toMatch(/^\s*#|^\s*[a-z]+:$/);
    for (const scheme of ['modbus:///', 'nmea:///', 'w1://', 'gpio://']) expect(yaml).toContain(scheme);
    const cfg = await loadAgentYaml(out.config, {});
    expect(cfg).toMatchObject({
      device: 'pi-7',
      org: 'Org1MSP',
      dataDir: dir,
      samplePeriodMs: 30_000,
      sources: ['modbus:///dev/ttyUSB0?baud=9600&unit=1'],
    });
  });

  it('the text output carries the id and the PEM that device enroll reads', async () => {
    const r = await init(join(root, 'text'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/device pi-7 \(org Org1MSP\)/);
    expect(publicKeyFromPem(r.stdout)).toBe((await loadOrCreateDeviceKey(join(root, 'text'))).publicKey);
  });

  it('never overwrites a key or a config (exit 2, saying so); --force rewrites the config, keeps the key', async () => {
    const dir = join(root, 'twice');
    expect((await init(dir)).code).toBe(0);
    const keyBefore = readFileSync(join(dir, 'device-key.pem'));
    writeFileSync(join(dir, 'agent.yaml'), '# edited by hand\n');
    const again = await init(dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/device-key\.pem already exists.*never overwritten/);
    noStack(again.stderr);
    expect(readFileSync(join(dir, 'agent.yaml'), 'utf8')).toBe('# edited by hand\n');

    const forced = await init(dir, ['--force', '--json', '--interval', '5m']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'device-key.pem'))).toEqual(keyBefore);
    expect((await loadAgentYaml(join(dir, 'agent.yaml'), {})).samplePeriodMs).toBe(300_000);
    expect(publicKeyFromPem(json<InitJson>(forced).publicKey)).toBe(
      (await loadOrCreateDeviceKey(dir)).publicKey,
    );

    rmSync(join(dir, 'device-key.pem'));
    const configOnly = await init(dir);
    expect(configOnly.code).toBe(2);
    expect(configOnly.stderr).toMatch(/agent\.yaml already exists: pass --force/);
  });

  it('bad options are refused before anything is written (exit 2, every problem, no stack)', async () => {
    const dir = join(root, 'never');
    const r = await runCli([
      'agent',
      'init',
      '--dir',
      dir,
      '--device',
      'bad id',
      '--org',
      'Org1MSP',
      '--mqtt-url',
      'http://x',
      '--interval',
      'soon',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/device: must be 1-64 characters/);
    expect(r.stderr).toMatch(/mqtt\.urls.*: must be a URL/);
    expect(r.stderr).toMatch(/interval: must be a duration/);
    noStack(r.stderr);
    expect(() => statSync(dir)).toThrow(/ENOENT/);
    const missing = await runCli(['agent', 'init', '--dir', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option/);
  });
});

describe('coldtrail agent start: bad config', () => {
  it('lists every problem with its line and exits 2 without a stack', async () => {
    const file = join(root, 'bad.yaml');
    writeFileSync(file, 'device: pi-7\norg: Org1MSP\ndataDir: ./d\ninterval: 60\ncolour: blue\n');
    const r = await runCli(['agent', 'start', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/interval: needs a unit .*\(line 4\)/);
    expect(r.stderr).toMatch(/colour: unknown setting .*\(line 5\)/);
    expect(r.stderr).toMatch(/mqtt\.urls: /);
    noStack(r.stderr);
    writeFileSync(file, 'device: pi-7\norg: [Org1MSP\n');
    const syntax = await runCli(['agent', 'start', '--config', file]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/is not valid YAML.*\n\s+line \d+, column \d+: /);
    const none = await runCli(['agent', 'start', '--config', join(root, 'nope.yaml')]);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/coldtrail agent init/);
  });
});

describe('coldtrail agent start: no broker, no probe', () => {
  it('keeps recording faults, and on SIGTERM exits 0 with every record kept in the outbox', async () => {
    const dir = join(root, 'offline');
    const r = await init(dir, [
      '--source',
      'modbus:///dev/coldtrail-no-such-port?unit=1&timeout=100',
      '--interval',
      '100ms',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const config = join(dir, 'agent.yaml');
    // A port nothing listens on: connection refused, as with the network down.
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1'),
    );
    const agent = spawn(process.execPath, [CLI, 'agent', 'start', '--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NOTIFY_SOCKET: '' },
    });
    let stderr = '';
    agent.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    try {
      const recorded = () => {
        try {
          const db = new Database(join(dir, OUTBOX_FILE), { readonly: true, fileMustExist: true });
          try {
            return (db.prepare('SELECT count(*) AS n FROM records').get() as { n: number }).n;
          } finally {
            db.close();
          }
        } catch {
          return 0;
        }
      };
      await eventually(() => recorded() >= 3, `three fault records (agent stderr: ${stderr})`, 20_000);
      agent.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
    } finally {
      if (agent.exitCode === null) agent.kill('SIGKILL');
    }
    const stopped = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string; recorded?: number; pendingRecords?: number })
      .find((l) => l.message === 'agent stopped');
    expect(stopped?.pendingRecords).toBe(stopped?.recorded);
    const outbox = Outbox.open(join(dir, OUTBOX_FILE), { device: 'pi-7' });
    try {
      expect(outbox.head().seq).toBe(stopped?.recorded);
      expect(outbox.storedUpTo()).toBe(0);
    } finally {
      outbox.close();
    }
  }, 60_000);
});

const pty = ptySupport();
describe.skipIf(!pty.available)(
  `coldtrail agent start against a probe on a PTY and a broker${pty.reason}`,
  () => {
    let pair: SerialPair;
    let closeProbe: () => Promise<void>;
    beforeAll(async () => {
      pair = await openPtyPair();
      const probe = await startProbe({ path: pair.devicePath, scenario: await loadScenario() });
      closeProbe = async () => {
        await probe.close();
        await pair.close();
      };
    });
    afterAll(async () => closeProbe?.());

    it('runs as a systemd notify service and on SIGTERM exits 0 with every record stored upstream', async () => {
      const dir = join(root, 'run');
      const first = await init(dir, ['--json']);
      expect(first.code, first.stderr).toBe(0);
      const { publicKey } = json<InitJson>(first);
      const broker = await startIngestEmulator({
        org: 'Org1MSP',
        devices: { 'pi-7': publicKeyFromPem(publicKey) },
      });
      const notify = await fakeNotifySocket(join(root, 'notify.sock'));
      let agent: ChildProcess | undefined;
      try {
        const source = `modbus://${pair.hostPath}?baud=9600&unit=1&timeout=300`;
        const reinit = await init(dir, ['--force', '--interval', '200ms', '--source', source]);
        expect(reinit.code, reinit.stderr).toBe(0);
        const config = join(dir, 'agent.yaml');
        writeFileSync(config, readFileSync(config, 'utf8').replace('mqtt://127.0.0.1:1883', broker.url));

        agent = spawn(process.execPath, [CLI, 'agent', 'start', '--config', config], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            NOTIFY_SOCKET: notify.path,
            WATCHDOG_USEC: '400000',
            // Small batches, so several go out during the run.
            COLDTRAIL_AGENT_BATCH_MAX_RECORDS: '5',
          },
        });
        let stderr = '';
        agent.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        const exited = new Promise<number | null>((resolve) => agent?.once('exit', (code) => resolve(code)));

        await eventually(
          () => notify.messages.includes('READY=1'),
          `READY=1 (agent stderr: ${stderr})`,
          20_000,
        );
        await eventually(
          () => notify.messages.filter((m) => m === 'WATCHDOG=1').length >= 2,
          'watchdog pets',
          20_000,
        );
        await eventually(() => broker.state('pi-7').storedUpTo >= 10, 'ten records stored upstream', 20_000);
        agent.kill('SIGTERM');
        expect(await exited, stderr).toBe(0);
        expect(notify.messages).toContain('STOPPING=1');

        // Every line on stderr is one JSON object; the run says it started and stopped.
        const lines = stderr
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { level: string; message: string });
        expect(lines.map((l) => l.message)).toEqual(
          expect.arrayContaining(['agent started', 'agent stopped']),
        );

        // Flushed: what the agent stored is all acknowledged, and the ingest holds it gap-free, exactly once.
        const outbox = Outbox.open(join(dir, OUTBOX_FILE), { device: 'pi-7' });
        try {
          const head = outbox.head().seq;
          expect(outbox.storedUpTo()).toBe(head);
          const stored = broker.state('pi-7').records.map((r) => r.seq);
          expect(stored).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        } finally {
          outbox.close();
        }
      } finally {
        if (agent && agent.exitCode === null) agent.kill('SIGKILL');
        notify.close();
        await broker.close();
      }
    }, 90_000);
  },
);

/** A Unix datagram socket standing in for systemd's NOTIFY_SOCKET; every line of every datagram is kept. */
async function fakeNotifySocket(path: string): Promise<{ path: string; messages: string[]; close(): void }> {
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(sys.argv[1])',
    'print("listening", flush=True)',
    'while True:',
    '    for line in s.recv(65536).decode(errors="replace").split("\\n"):',
    '        line and print(line, flush=True)',
  ].join('\n');
  const child = spawn('python3', ['-c', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.on('error', (err) => {
    throw new Error(
      `python3 is needed for the fake NOTIFY_SOCKET (apt-get install -y python3): ${err.message}`,
    );
  });
  const messages: string[] = [];
  let buffer = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    messages.push(...parts);
  });
  await eventually(() => messages.includes('listening'), 'the fake NOTIFY_SOCKET to listen', 10_000);
  return { path, messages, close: () => void child.kill('SIGKILL') };
}
