import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSource } from '@coldtrail/agent';
import { ptySupport } from '@coldtrail/firmware-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { type ServiceProcess, startService } from './service-process.js';

const pty = ptySupport();
const REEFER = fileURLToPath(new URL('../../firmware-sim/scenarios/reefer-fleet.yaml', import.meta.url));
const running: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

describe.skipIf(!pty.available)(`coldtrail sim start${pty.reason}`, () => {
  it('prints each device as an agent source URL that the agent reads, and stops cleanly on SIGTERM', async () => {
    const sim = startService(['sim', 'start', '--json']);
    running.push(sim);
    const { devices } = await sim.ready<{ devices: { kind: string; address: string }[] }>();
    expect(devices).toEqual([
      { kind: 'modbus', address: expect.stringMatching(/^modbus:\/\/\/.+\?baud=9600&unit=1$/) },
    ]);
    const address = devices[0]?.address ?? '';
    const source = await openSource(`${address}&timeout=1000&sensor=probe-1`);
    try {
      const samples = await source.read();
      expect(samples.map((s) => s.kind).sort()).toEqual(['humidity', 'temperature']);
    } finally {
      await source.close();
    }
    const ptyDir = dirname(new URL(address).pathname);
    expect(existsSync(ptyDir)).toBe(true);
    expect(await sim.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(ptyDir)).toBe(false);
  });

  it('runs a whole fleet (a bus of two probes, GPS, 1-Wire, door) whose addresses the agent opens', async () => {
    const sim = startService(['sim', 'start', '--scenario', REEFER, '--json']);
    running.push(sim);
    const { devices } = await sim.ready<{ devices: { kind: string; address: string }[] }>();
    expect(devices.map((d) => d.kind)).toEqual(['modbus', 'modbus', 'nmea', 'w1', 'gpio']);
    const kindsRead: Record<string, string[]> = {};
    for (const d of devices) {
      const sep = d.address.includes('?') ? '&' : '?';
      const source = await openSource(`${d.address}${sep}sensor=${d.kind}-sensor&timeout=1500`);
      try {
        const samples = await source.read();
        kindsRead[d.address] = samples.map((x) => x.kind);
      } finally {
        await source.close();
      }
    }
    expect(Object.values(kindsRead)).toEqual([
      ['temperature', 'humidity'],
      ['temperature', 'humidity'],
      ['latitude', 'longitude', 'speed', 'clock-offset'],
      ['temperature'],
      ['door'],
    ]);
    expect(await sim.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('refuses a bad fleet file with every problem as path: message (exit 2)', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'coldtrail-fleet-'));
    const file = join(dir, 'fleet.yaml');
    await writeFile(
      file,
      'name: bad\ndevices:\n  - kind: modbus\n    units:\n      - unit: 300\n        scenario: missing.yaml\n  - kind: laser\n',
    );
    const r = await runCli(['sim', 'start', '--scenario', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/devices\[0\]\.units\[0\]\.unit: must be a Modbus slave address 1\.\.247/);
    expect(r.stderr).toMatch(/devices\[1\]\.kind: must be one of: modbus, nmea, w1, gpio/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
