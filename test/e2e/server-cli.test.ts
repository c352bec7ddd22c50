import { generateKeyPairSync } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { json, runCli } from './run-cli.js';
import {
  batchTopic,
  connectAsDevice,
  makeTestDevice,
  runCliWithInput,
  type ServerProcess,
  startServerProcess,
} from './server-kit.js';

/**
 * `coldtrail server start` and the operator's commands, all as real processes over real sockets: the server
 * prints its URL and a real device logs in; enroll, shipment create and complete work through the admin
 * socket while it runs and on their own while it does not; a revoked device is dropped and refused; SIGTERM
 * stops it cleanly; hostile admin requests get errors, never a crash.
 */
const ORG = 'Org1MSP';
const root = mkdtempSync(join(tmpdir(), 'coldtrail-server-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);

const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
});
async function server(args: string[]): Promise<ServerProcess> {
  const s = await startServerProcess(args);
  servers.push(s);
  return s;
}

function keyFile(device: ReturnType<typeof makeTestDevice>): string {
  const file = join(root, `${device.id}-${n}.pem`);
  writeFileSync(file, device.publicKeyPem);
  return file;
}

async function enroll(dir: string, device: ReturnType<typeof makeTestDevice>) {
  const r = await runCli([
    'device',
    'enroll',
    '--data-dir',
    dir,
    '--org',
    device.org,
    '--device',
    device.id,
    '--public-key',
    keyFile(device),
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return json(r);
}

/** One request line to the admin socket, the raw answer lines back (until the server closes or n lines). */
function adminLines(path: string, payload: string, lines: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
      const got = text.split('\n').filter((l) => l !== '');
      if (got.length >= lines) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text.split('\n').filter((l) => l !== '')));
    socket.write(payload);
  });
}

// Each test spawns several CLI processes; on a loaded 2-core machine one takes seconds.
describe('coldtrail server start', { timeout: 120_000 }, () => {
  it.each([
    [['server', 'start', '--help']],
    [['device', 'enroll', '--help']],
    [['device', 'revoke', '--help']],
    [['shipment', 'create', '--help']],
  ])('%j prints usage and exits 0', async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: coldtrail/);
  });

  it('prints its MQTT URL; an enrolled device logs in; shipment create + complete through the socket anchor its readings', async () => {
    const dir = freshDir();
    const s = await server(['--data-dir', dir, '--org', ORG, '--mqtt-port', '0']);
    expect(s.info).toMatchObject({ dataDir: dir, org: ORG, admin: join(dir, 'admin.sock') });
    expect(s.info.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(lstatSync(s.info.admin).mode & 0o777).toBe(0o600);

    const device = makeTestDevice('probe-7', ORG);
    const entry = await enroll(dir, device);
    expect(entry).toMatchObject({ id: 'probe-7', org: ORG });
    expect(entry.publicKey).toMatch(/^[0-9a-f]{64}$/);

    const created = await runCli(['shipment', 'create', '--data-dir', dir, '--device', 'probe-7', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { shipment: sscc } = json<{ shipment: string }>(created);
    expect(sscc).toMatch(/^\d{18}$/);
    const again = await runCli(['shipment', 'create', '--data-dir', dir, '--device', 'probe-7']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`coldtrail shipment complete ${sscc}`);

    // A real device: signed token, signed batch, PUBACK only once the server's ingest stored it.
    const client = await connectAsDevice(s.info.mqttUrl, device);
    await client.publishAsync(batchTopic(device), await device.nextBatch(3), { qos: 1 });
    await client.endAsync();

    const done = await runCli(['shipment', 'complete', sscc, '--data-dir', dir, '--json']);
    expect(done.code, done.stderr).toBe(0);
    const out = json<{ shipment: { status: string; fromSeq: number; toSeq: number }; reason: unknown }>(done);
    expect(out.shipment).toMatchObject({ status: 'completed', fromSeq: 1, toSeq: 3 });
    expect(out.reason).toBeNull();

    const stopped = await s.stop('SIGTERM');
    expect(stopped, s.stderr()).toEqual({ code: 0, signal: null });
    expect(existsSync(s.info.admin)).toBe(false);
    expect(existsSync(join(dir, 'coldtrail.lock'))).toBe(false);
    // The same shipment, read back with the server gone: anchored, verified.
    const prov = await runCli(['provenance', sscc, '--data-dir', dir, '--json']);
    expect(prov.code, prov.stderr).toBe(0);
    expect(json<{ verification: { ok: boolean } }>(prov).verification.ok).toBe(true);
    for (const line of s.stderr().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('without a server, the same commands open the data dir themselves; a later server defaults to its org', async () => {
    const dir = freshDir();
    const device = makeTestDevice('probe-8', ORG);
    await enroll(dir, device);
    const unknownProfile = await runCli([
      'shipment',
      'create',
      '--data-dir',
      dir,
      '--device',
      'probe-8',
      '--profile',
      'deep-frozen',
    ]);
    expect(unknownProfile.code).toBe(2);
    expect(unknownProfile.stderr).toMatch(/unknown profile "deep-frozen": shipped profiles are .*2-8C/);
    const created = await runCli([
      'shipment',
      'create',
      '--data-dir',
      dir,
      '--device',
      'probe-8',
      '--sscc',
      '(00)106141411234567897',
      '--profile',
      '2-8C',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { shipment: sscc } = json<{ shipment: string }>(created);
    expect(sscc).toBe('106141411234567897');
    const done = await runCli(['shipment', 'complete', sscc, '--data-dir', dir, '--json']);
    expect(done.code, done.stderr).toBe(0);
    expect(json<{ reason: string }>(done).reason).toMatch(/closed by hand/);
    expect(existsSync(join(dir, 'coldtrail.lock'))).toBe(false);

    const s = await server(['--data-dir', dir]);
    expect(s.info.org).toBe(ORG);
    const client = await connectAsDevice(s.info.mqttUrl, device);
    await client.endAsync();
  });

  it('refuses a fresh data dir without --org, and a second server on the same dir (exit 5)', async () => {
    const dir = freshDir();
    const noOrg = await runCli(['server', 'start', '--data-dir', dir]);
    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toMatch(/pass --org/);
    const s = await server(['--data-dir', dir, '--org', ORG]);
    const second = await runCli(['server', 'start', '--data-dir', dir, '--org', ORG]);
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(new RegExp(`in use by pid ${s.child.pid}`));
    expect(existsSync(s.info.admin)).toBe(true); // the loser did not touch the winner's socket
    expect(await s.stop('SIGINT')).toEqual({ code: 0, signal: null });
    const again = await server(['--data-dir', dir]); // the org of the first start is the data dir's own now
    expect(again.info.org).toBe(ORG);
  });

  it('revoke through the server drops a connected device at once and refuses its reconnect', async () => {
    const dir = freshDir();
    const s = await server(['--data-dir', dir, '--org', ORG]);
    const device = makeTestDevice('probe-9', ORG);
    await enroll(dir, device);
    const client = await connectAsDevice(s.info.mqttUrl, device);
    const dropped = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const r = await runCli([
      'device',
      'revoke',
      'probe-9',
      '--data-dir',
      dir,
      '--reason',
      'stolen',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ id: 'probe-9', status: 'revoked', reason: 'stolen' });
    await dropped;
    const refused = await connectAsDevice(s.info.mqttUrl, device).then(
      (c) => {
        c.end(true);
        return 'connected';
      },
      (err: { code?: number }) => err.code,
    );
    expect(refused).toBe(5); // CONNACK 5: not authorized
    const reEnroll = await runCli([
      'device',
      'enroll',
      '--data-dir',
      dir,
      '--org',
      ORG,
      '--device',
      'probe-9',
      '--public-key',
      keyFile(device),
    ]);
    expect(reEnroll.code).toBe(2);
    expect(reEnroll.stderr).toMatch(/revoked/);
    const ship = await runCli(['shipment', 'create', '--data-dir', dir, '--device', 'probe-9']);
    expect(ship.code).toBe(2);
    expect(ship.stderr).toMatch(/revoked/);
  });

  it('answers malformed admin requests with errors and keeps serving', async () => {
    const dir = freshDir();
    const s = await server(['--data-dir', dir, '--org', ORG]);
    const answers = await adminLines(
      s.info.admin,
      'not json\n{"op":"device.enroll","args":{"org":"x"}}\n{"op":"nope"}\n[1,2]\nnull\n' +
        '{"op":"shipment.complete","args":{"sscc":"12345"}}\n{"op":"server.status","id":"q1","extra":1}\n' +
        '{"op":"device.revoke","id":4,"args":{"device":"ghost"}}\n{"op":"server.status","id":9}\n',
      9,
    );
    const parsed = answers.map((l) => JSON.parse(l));
    expect(parsed.slice(0, 8).map((a) => a.ok)).toEqual(Array(8).fill(false));
    expect(parsed[1].error).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(parsed[1].error.message).toMatch(/args\.device/);
    expect(parsed[5].error).toMatchObject({ exitCode: 2 });
    expect(parsed[6]).toMatchObject({ id: 'q1', error: { exitCode: 2 } });
    expect(parsed[7]).toMatchObject({ id: 4, error: { exitCode: 4 } });
    expect(parsed[8]).toMatchObject({ id: 9, ok: true, result: { org: ORG, mqttUrl: s.info.mqttUrl } });
    // A line past the limit is refused and that connection closed; the server stays up.
    const huge = await adminLines(s.info.admin, `{"op":"${'x'.repeat(7_000_000)}`, 1); // past the 6 MiB line limit
    expect(JSON.parse(huge[0] as string).error.message).toMatch(/exceeds/);
    const status = await adminLines(s.info.admin, '{"op":"server.status"}\n', 1);
    expect(JSON.parse(status[0] as string).ok).toBe(true);
    expect(s.child.exitCode).toBeNull();
  });

  it('replaces the socket a killed server left behind', async () => {
    const dir = freshDir();
    const first = await server(['--data-dir', dir, '--org', ORG]);
    await first.stop('SIGKILL');
    expect(lstatSync(first.info.admin).isSocket()).toBe(true); // stale, and the lock with it
    // Commands see no server behind the stale socket and run on their own.
    const device = makeTestDevice('probe-10', ORG);
    await enroll(dir, device);
    const second = await server(['--data-dir', dir]);
    expect(second.info.admin).toBe(first.info.admin);
    expect(second.stderr()).toMatch(/admin-socket-stale/);
    const client = await connectAsDevice(second.info.mqttUrl, device);
    await client.endAsync();
  });

  it("reads the key from stdin, agent init's whole output included", async () => {
    const dir = freshDir();
    const device = makeTestDevice('probe-11', ORG);
    const r = await runCliWithInput(
      [
        'device',
        'enroll',
        '--data-dir',
        dir,
        '--org',
        ORG,
        '--device',
        'probe-11',
        '--public-key',
        '-',
        '--json',
      ],
      `device probe-11\npublic key:\n${device.publicKeyPem}config /tmp/agent.yaml\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'probe-11', org: ORG });
  });

  it('refuses a malformed or private key with exit 2, saying what to pass', async () => {
    const dir = freshDir();
    const bad = join(root, 'bad.pem');
    for (const text of [
      'hello',
      '-----BEGIN PRIVATE KEY-----\nMC4CAQ==\n-----END PRIVATE KEY-----\n',
      '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }),
    ]) {
      writeFileSync(bad, text);
      const r = await runCli([
        'device',
        'enroll',
        '--data-dir',
        dir,
        '--org',
        ORG,
        '--device',
        'd1',
        '--public-key',
        bad,
      ]);
      expect(r.code, String(text)).toBe(2);
      expect(r.stderr).toMatch(/coldtrail agent init/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const missing = await runCli([
      'device',
      'enroll',
      '--data-dir',
      dir,
      '--org',
      ORG,
      '--device',
      'd1',
      '--public-key',
      join(root, 'none.pem'),
    ]);
    expect(missing.code).toBe(4);
  });
});
