import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startGpsReceiver } from './gps-receiver.js';
import { positionAt } from './gps-scenario.js';
import { openPtyPair } from './pty-pair.js';
import { ptySupport } from './socat.js';

/**
 * The simulated receiver read by a third-party NMEA consumer: gpsd (Debian package `gpsd`, 3.22), the daemon
 * most Linux GPS setups use, decodes its sentences into TPV reports (position, speed m/s, time, fix mode).
 * Required with CI=true, as socat is; skipped with the reason elsewhere.
 */
const INSTALL = 'apt-get install -y --no-install-recommends gpsd';
function gpsdSupport(): { available: boolean; reason: string } {
  if (spawnSync('gpsd', ['-V'], { stdio: 'ignore' }).status === 0) return { available: true, reason: '' };
  if (process.env.CI === 'true')
    throw new Error(
      `CI=true and gpsd is missing: the NMEA interop test is required on CI. Run \`${INSTALL}\``,
    );
  const why = `gpsd is not installed (\`${INSTALL}\` to run it)`;
  console.warn(`coldtrail: NMEA interop test skipped: ${why}`);
  return { available: false, reason: ` — SKIPPED: ${why}` };
}

const pty = ptySupport();
const gpsd = pty.available ? gpsdSupport() : pty;
const ROUTE = [
  { lat: 47.5, lon: 7.6 },
  { lat: 47.6, lon: -7.6 },
];

interface Tpv {
  class: 'TPV';
  mode: number;
  time?: string;
  lat?: number;
  lon?: number;
  speed?: number;
}

/** A port no one listens on now (gpsd takes a port number, not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** Connects once gpsd listens: each refused attempt is retried on its own error event, up to a deadline. */
function connectWhenUp(port: number, daemon: ChildProcess, deadline: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket));
      socket.once('error', (err) => {
        if (daemon.exitCode !== null) reject(new Error(`gpsd exited (${daemon.exitCode})`));
        else if (Date.now() > deadline) reject(err);
        else setImmediate(attempt);
      });
    };
    attempt();
  });
}

describe.skipIf(!gpsd.available)(`gpsd reads the simulated receiver over a socat PTY${gpsd.reason}`, () => {
  it('decodes GN sentences to the route position, 72 km/h as 20 m/s, the second, and no fix as mode 1', async () => {
    const pair = await openPtyPair();
    const start = Date.now();
    const receiver = await startGpsReceiver(
      {
        path: pair.devicePath,
        hostPath: pair.hostPath,
        route: ROUTE,
        speedKmh: 72,
        startEpochMs: start,
        noFix: [{ at: '4s', duration: '1m' }],
      },
      { binding: pair.binding },
    );
    const port = await freePort();
    // -N foreground, -n poll the device without a client, -b read-only (never reconfigure the "receiver").
    const daemon = spawn('gpsd', ['-N', '-n', '-b', '-S', String(port), pair.hostPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    daemon.stderr?.resume();
    let socket: Socket | undefined;
    try {
      socket = await connectWhenUp(port, daemon, Date.now() + 10_000);
      socket.write('?WATCH={"enable":true,"json":true};');
      const reports: Tpv[] = [];
      let text = '';
      await new Promise<void>((resolve, reject) => {
        socket?.on('error', reject);
        socket?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const lines = text.split('\n');
          text = lines.pop() ?? '';
          for (const line of lines) {
            const msg = JSON.parse(line) as { class: string };
            if (msg.class === 'TPV') reports.push(msg as Tpv);
          }
          const fixed = reports.some((r) => r.mode >= 2 && r.time !== undefined && r.speed !== undefined);
          if (fixed && reports.at(-1)?.mode === 1) resolve();
        });
      });
      const fix = reports.find((r) => r.mode >= 2 && r.time !== undefined && r.speed !== undefined);
      if (!fix?.time) throw new Error('no fix report');
      const at = Date.parse(fix.time);
      expect(at % 1000).toBe(0);
      const expected = positionAt(ROUTE, 72, at - start);
      expect(fix.lat).toBeCloseTo(expected.lat, 6);
      expect(fix.lon).toBeCloseTo(expected.lon, 6);
      expect(fix.speed).toBeCloseTo(20, 2);
      expect(reports.at(-1)).toMatchObject({ mode: 1 });
    } finally {
      socket?.destroy();
      daemon.kill('SIGTERM');
      await receiver.close();
      await pair.close();
    }
  });
});
