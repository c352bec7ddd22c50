import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeBusHandle, startProbeBus } from './probe-bus.js';
import { interopSupport, MBPOLL } from './probe-interop-tools.js';
import { openPtyPair } from './pty-pair.js';
import { parseScenario } from './scenario.js';
import { valuesAt } from './scenario-values.js';
import type { SerialPair } from './serial-pair.js';
import { ptySupport } from './socat.js';

const pty = ptySupport();
const mbpoll = interopSupport(MBPOLL);
const T0 = Date.UTC(2026, 0, 1);
const AT = T0 + 25 * 60_000;
const cold = parseScenario('name: cold\nduration: 1h\ntemperature: { mean: 3, swing: 0.5 }');
const warm = parseScenario(
  'name: warm\nduration: 1h\ntemperature: { mean: 7, swing: 0.5 }\nhumidity: { mean: 70 }',
);

/** Runs mbpoll once (`-1`) as an RTU master at 9600 8N1 on `path`; PDU addressing (`-0`). */
function runMbpoll(path: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('mbpoll', [
      '-m',
      'rtu',
      '-b',
      '9600',
      '-P',
      'none',
      '-0',
      '-1',
      '-o',
      '1',
      ...args,
      path,
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

/** mbpoll prints each register as `[ref]: \tvalue` under `-- Polling slave N...`. */
function polled(out: string): Record<number, number[]> {
  const result: Record<number, number[]> = {};
  let slave: number[] | undefined;
  for (const line of out.split('\n')) {
    const head = /^-- Polling slave (\d+)/.exec(line);
    if (head) result[Number(head[1])] = slave = [];
    const reg = /^\[\d+\]:\s+(-?\d+)/.exec(line);
    if (reg && slave) slave.push(Number(reg[1]));
  }
  return result;
}

const words = (scenario: typeof cold) => {
  const v = valuesAt(scenario, AT - T0);
  return [Math.round(v.temperature * 10), Math.round(v.humidity * 10)];
};

describe.skipIf(!pty.available || !mbpoll.available)(
  `mbpoll (libmodbus master) reads the simulated probes over a socat PTY pair${pty.reason}${mbpoll.reason}`,
  () => {
    let pair: SerialPair;
    let bus: ProbeBusHandle;
    beforeAll(async () => {
      pair = await openPtyPair();
      bus = await startProbeBus(
        {
          path: pair.devicePath,
          hostPath: pair.hostPath,
          probes: [
            { unit: 1, scenario: cold, startEpochMs: T0 },
            { unit: 2, scenario: warm, startEpochMs: T0 },
          ],
        },
        { binding: pair.binding, clock: { now: () => AT, sleep: async () => {} } },
      );
    });
    afterAll(async () => {
      await bus?.close();
      await pair?.close();
    });

    it('reads input registers 1-2 (temperature, humidity in tenths) of one probe', async () => {
      const r = await runMbpoll(pair.hostPath, ['-a', '1', '-t', '3', '-r', '1', '-c', '2']);
      expect(r.code, r.out).toBe(0);
      expect(polled(r.out)).toEqual({ 1: words(cold) });
    });

    it('polls both units of the bus in turn, each answering with its own scenario', async () => {
      const r = await runMbpoll(pair.hostPath, ['-a', '1,2', '-t', '3', '-r', '1', '-c', '2']);
      expect(r.code, r.out).toBe(0);
      expect(polled(r.out)).toEqual({ 1: words(cold), 2: words(warm) });
      expect(words(cold)).not.toEqual(words(warm));
    });

    it('sees an exception for a register the probe does not have, and for a function it does not serve', async () => {
      const bad = await runMbpoll(pair.hostPath, ['-a', '2', '-t', '3', '-r', '5', '-c', '1']);
      expect(bad.code).not.toBe(0);
      expect(bad.out).toContain('Illegal data address');
      // Holding registers (0x03): the probe serves input registers only.
      const fn = await runMbpoll(pair.hostPath, ['-a', '1', '-t', '4', '-r', '1', '-c', '2']);
      expect(fn.code).not.toBe(0);
      expect(fn.out).toContain('Illegal function');
    });
  },
);

describe('interop tool checks', () => {
  const missing = {
    name: 'nosuchtool',
    install: 'apt-get install -y nosuchtool',
    probe: ['coldtrail-no-such-tool'],
  } as const;

  it('fail on CI naming the tool and its apt-get command; skip with the reason elsewhere', () => {
    const tool = { ...missing, probe: [...missing.probe] as [string] };
    expect(() => interopSupport(tool, { env: { CI: 'true' } })).toThrow(
      'CI=true and nosuchtool is missing: the Modbus interop tests are required on CI. Run `apt-get install -y nosuchtool`',
    );
    const warnings: string[] = [];
    expect(interopSupport(tool, { env: {}, warn: (m) => warnings.push(m) })).toEqual({
      available: false,
      reason: ' — SKIPPED: nosuchtool is not installed (`apt-get install -y nosuchtool` to run them)',
    });
    expect(warnings).toHaveLength(1);
  });
});
