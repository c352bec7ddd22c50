import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, makeDevice, type Rig, startRig, waitFor } from './broker.fixture.js';

let rig: Rig | undefined;
afterEach(async () => rig?.close());

describe('disconnectDevice (a revoked enrolment)', () => {
  it("closes every connection of that device at once and leaves other devices' alone", async () => {
    const a = makeDevice('dev-a');
    const b = makeDevice('dev-b');
    rig = await startRig([a, b]);
    const first = await connectDevice(rig, a);
    const second = await connectDevice(rig, a, { clientId: 'dev-a:diag' });
    const other = await connectDevice(rig, b);
    const closed = Promise.all([waitFor(first, 'close'), waitFor(second, 'close')]);
    expect(rig.broker.disconnectDevice('dev-a')).toBe(2);
    await closed;
    expect(other.connected).toBe(true);
    const entry = await rig.log.next('device-disconnected');
    expect(entry.fields).toMatchObject({ device: 'dev-a', reason: 'enrolment revoked' });
    expect(rig.broker.disconnectDevice('dev-none')).toBe(0);
  });
});
