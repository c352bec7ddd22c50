import type { Clock } from '@coldtrail/core';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { FleetDeviceSpec } from './fleet-schema.js';
import { startProbe } from './probe.js';
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
  if (spec.units.length > 1) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `devices[${ctx.index}].units: several probes on one bus are not available in this build`,
    );
  }
  const baud = spec.baud ?? 9600;
  // A real PTY pair: the process's devices are for other processes (the agent, mbpoll) to open by path.
  const pair = await openPtyPair();
  const { binding } = pair;
  try {
    const probes: Awaited<ReturnType<typeof startProbe>>[] = [];
    for (const u of spec.units) {
      probes.push(
        await startProbe(
          { path: pair.devicePath, baudRate: baud, unit: u.unit, scenario: u.scenario },
          { clock: ctx.clock, binding },
        ),
      );
    }
    const devices: SimDevice[] = spec.units.map((u) => ({
      kind: 'modbus',
      address: `modbus://${pair.hostPath}?baud=${baud}&unit=${u.unit}`,
      close: async () => {},
    }));
    return {
      devices,
      close: async () => {
        await Promise.allSettled(probes.map((p) => p.close()));
        await pair.close();
      },
    };
  } catch (err) {
    await pair.close();
    throw err;
  }
}
