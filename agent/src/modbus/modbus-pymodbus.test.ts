import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  DEBIAN_PYTHON,
  interopSupport,
  openPtyPair,
  PYMODBUS,
  ptySupport,
  type SerialPair,
} from '@coldtrail/firmware-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SensorSource } from '../sensor-source.js';
import { type BusRegistry, createBusRegistry } from './bus-registry.js';
import { openModbusSource } from './modbus-source.js';

const pty = ptySupport();
const pymodbus = interopSupport(PYMODBUS);
const FIXTURE = fileURLToPath(new URL('./fixtures/pymodbus-probe.py', import.meta.url));

/** Starts the pymodbus RTU server on `path`; resolves once it says "ready". Its stdin is its lifeline. */
async function startServer(path: string, units: string[]): Promise<ChildProcess> {
  const child = spawn(DEBIAN_PYTHON, [FIXTURE, path, '9600', ...units], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (String(d).includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`pymodbus fixture exited (${code}) before ready: ${log}`)));
    child.once('error', reject);
  });
  await ready;
  return child;
}

describe.skipIf(!pty.available || !pymodbus.available)(
  `the agent's Modbus source reads a pymodbus RTU server over a socat PTY pair${pty.reason}${pymodbus.reason}`,
  () => {
    let pair: SerialPair;
    let server: ChildProcess;
    let buses: BusRegistry;
    const sources: SensorSource[] = [];
    const open = async (query: string) => {
      const source = await openModbusSource(`modbus://${pair.hostPath}?${query}`, {
        binding: pair.binding,
        buses,
      });
      sources.push(source);
      return source;
    };

    beforeAll(async () => {
      pair = await openPtyPair();
      // Unit 3 has no probe registers; unit 9 is not on the bus.
      server = await startServer(pair.devicePath, ['1=-12.3,45.6', '2=4.5,61.2', '3=']);
      buses = createBusRegistry();
    });
    afterAll(async () => {
      for (const s of sources) await s.close();
      if (server && server.exitCode === null) {
        const exited = once(server, 'exit');
        server.stdin?.end();
        await exited;
      }
      await pair?.close();
    });

    it('reads temperature (a negative int16) and humidity from two units sharing the bus, in turn', async () => {
      const [one, two] = [await open('unit=1&timeout=1000'), await open('unit=2&timeout=1000')];
      expect(buses.size).toBe(1);
      const expected = {
        one: [
          { sensor: 'probe-1', kind: 'temperature', value: -12.3, unit: 'CEL' },
          { sensor: 'probe-1', kind: 'humidity', value: 45.6, unit: 'P1' },
        ],
        two: [
          { sensor: 'probe-2', kind: 'temperature', value: 4.5, unit: 'CEL' },
          { sensor: 'probe-2', kind: 'humidity', value: 61.2, unit: 'P1' },
        ],
      };
      for (let round = 0; round < 3; round++) {
        expect(await Promise.all([one.read(), two.read(), one.read(), two.read()])).toEqual([
          expected.one,
          expected.two,
          expected.one,
          expected.two,
        ]);
      }
    });

    it("reports pymodbus' exception response as a named modbus-exception fault", async () => {
      const three = await open('unit=3&timeout=1000');
      expect(await three.read()).toEqual([
        {
          sensor: 'probe-3',
          kind: 'fault',
          fault: 'modbus-exception',
          message: `modbus://${pair.hostPath}?unit=3&timeout=1000: exception 0x02 (illegal data address)`,
        },
      ]);
    });

    it('times out on a unit that is not on the bus, and the bus reads on afterwards', async () => {
      const nine = await open('unit=9&timeout=300');
      const one = await open('unit=1&timeout=1000');
      expect(await nine.read()).toMatchObject([
        { fault: 'timeout', message: expect.stringContaining('no reply from unit 9 within 300 ms') },
      ]);
      expect(await one.read()).toMatchObject([
        { kind: 'temperature', value: -12.3 },
        { kind: 'humidity', value: 45.6 },
      ]);
    });
  },
);
