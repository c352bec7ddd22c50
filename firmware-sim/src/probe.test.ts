import { buildReadInputRegistersRequest, parseReadInputRegistersResponse } from '@coldtrail/core';
import { SerialPortStream } from '@serialport/stream';
import { describe, expect, it } from 'vitest';
import { startProbe } from './probe.js';
import type { ProbeEvent } from './probe-slave.js';
import { loadScenario } from './scenario.js';
import { openInProcessPair } from './serial-pair.js';

describe('startProbe', async () => {
  const scenario = await loadScenario();

  it('answers on its end of the line until closed; close is idempotent', async () => {
    const pair = openInProcessPair({ maxReadSize: 2 });
    const events: ProbeEvent[] = [];
    const now = Date.UTC(2026, 0, 1);
    const probe = await startProbe(
      { path: pair.devicePath, unit: 7, scenario, startEpochMs: now },
      {
        binding: pair.binding,
        clock: { now: () => now, sleep: async () => {} },
        onEvent: (e) => events.push(e),
      },
    );
    const host = new SerialPortStream({
      binding: pair.binding,
      path: pair.hostPath,
      baudRate: 9600,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => host.open((err) => (err ? reject(err) : resolve())));
    let rx = Buffer.alloc(0);
    const reply = new Promise((resolve) =>
      host.on('data', (c: Buffer) => {
        rx = Buffer.concat([rx, c]);
        const r = parseReadInputRegistersResponse(rx, 7, 2);
        if (r.status !== 'incomplete') resolve(r);
      }),
    );
    host.write(Buffer.from(buildReadInputRegistersRequest(7, 1, 2)));
    expect(await reply).toMatchObject({ status: 'ok' });
    expect(events).toEqual([
      { type: 'reply', at: now, temperature: expect.any(Number), humidity: expect.any(Number) },
    ]);
    await Promise.all([probe.close(), probe.close()]);
    await probe.close();
    await new Promise((r) => host.close(r));
    await pair.close();
  });

  it('rejects a bad unit and a port it cannot open, saying which', async () => {
    const pair = openInProcessPair();
    const deps = { binding: pair.binding };
    await expect(startProbe({ path: pair.devicePath, unit: 0, scenario }, deps)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(startProbe({ path: '/dev/none', scenario }, deps)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('probe cannot open /dev/none'),
    });
    await pair.close();
  });
});
