import type { Clock } from '@coldtrail/core';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { FleetDeviceSpec } from './fleet-schema.js';
import { startProbeBus } from './probe-bus.js';
import { openPtyPair } from './pty-pair.js';
import type { SimDevice } from './sim-device.js';

export interface StartContext {
  index: number;
  clock: Clock;
  root?: string;
}

export interface StartedDevices {
  devices: SimDevice[];
  close(): Promise<void>;
}

/** Starts one device entry of a fleet: a serial line with its devices, or a file-based device. */
export async function startFleetDevice(spec: FleetDeviceSpec, ctx: StartContext): Promise<StartedDevices> {
  switch (spec.kind) {
    case 'modbus':
      return startModbusBus(spec, ctx);
    case 'nmea':
    case 'w1':
    case 'gpio':
      throw new ColdtrailError(
        ErrorCode.InvalidConfig,
        `devices[${ctx.index}]: simulated ${spec.kind} devices are not available in this build`,
      );
    default:
      return spec satisfies never;
  }
}

async function startModbusBus(
  spec: Extract<FleetDeviceSpec, { kind: 'modbus' }>,
  ctx: StartContext,
): Promise<StartedDevices> {
  // A real PTY pair: the process's devices are for other processes (the agent, mbpoll) to open by path.
  const pair = await openPtyPair();
  try {
    const bus = await startProbeBus(
      {
        path: pair.devicePath,
        hostPath: pair.hostPath,
        baudRate: spec.baud ?? 9600,
        echo: spec.echo ?? false,
        probes: spec.units.map((u) => ({ unit: u.unit, scenario: u.scenario })),
      },
      { clock: ctx.clock, binding: pair.binding },
    );
    return {
      devices: [...bus.devices],
      close: async () => {
        await bus.close();
        await pair.close();
      },
    };
  } catch (err) {
    await pair.close();
    throw err;
  }
}
