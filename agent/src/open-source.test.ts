import { openInProcessPair } from '@coldtrail/firmware-sim';
import { describe, expect, it } from 'vitest';
import { openSource } from './open-source.js';

describe('openSource', () => {
  it('opens modbus: addresses with the Modbus adapter', async () => {
    const pair = openInProcessPair();
    const source = await openSource(`modbus://${pair.hostPath}?unit=2&timeout=50`, { binding: pair.binding });
    expect(source.address).toBe(`modbus://${pair.hostPath}?unit=2&timeout=50`);
    // Nobody answers on the far end yet: a timeout fault, not an exception.
    expect(await source.read()).toEqual([
      {
        sensor: 'probe-2',
        kind: 'fault',
        fault: 'timeout',
        message: expect.stringContaining('no reply from unit 2'),
      },
    ]);
    await source.close();
    await pair.close();
  });

  it('says which schemes are unknown or missing', async () => {
    // Off a Pi, a real GPIO cannot open; it says how to point the address at a simulated one.
    await expect(openSource('gpio://17')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('?root=DIR'),
    });
    await expect(openSource('gpio://17?direction=out')).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(openSource('zigbee://x')).rejects.toThrow(
      /zigbee: sources are unknown; supported: modbus:, nmea:, w1:, gpio:/,
    );
    await expect(openSource('/dev/ttyUSB0')).rejects.toThrow(/has no scheme/);
    await expect(openSource('modbus:///dev/ttyUSB0?unit=0')).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });
});
