import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ColdtrailError, ErrorCode, isColdtrailError, type TimerClock } from '@coldtrail/core';
import type { FleetDeviceSpec } from './fleet-schema.js';
import { startGpioDoor } from './gpio-door.js';
import { startGpsReceiver } from './gps-receiver.js';
import { startProbeBus } from './probe-bus.js';
import { openPtyPair } from './pty-pair.js';
import type { SimDevice } from './sim-device.js';
import { startW1Probe } from './w1-bus.js';

export interface StartContext {
  index: number;
  clock: TimerClock;
  /** The fleet's directory for sysfs-like trees (1-Wire under w1/, GPIO under gpio/). */
  root: string;
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
      return startGps(spec.config, ctx);
    case 'w1':
    case 'gpio':
      return startFileDevice(spec.kind, spec.config, ctx);
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

/** A device's own config problems, named under its place in the fleet file. */
async function underIndex<T>(ctx: StartContext, kind: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (!isColdtrailError(err) || err.code !== ErrorCode.InvalidConfig) throw err;
    throw new ColdtrailError(ErrorCode.InvalidConfig, `devices[${ctx.index}] (${kind}): ${err.message}`, {
      cause: err,
      ...(err.details ? { details: err.details } : {}),
    });
  }
}

/** A GPS receiver on its own PTY pair, emitting NMEA as a real one does on its UART. */
async function startGps(config: Record<string, unknown>, ctx: StartContext): Promise<StartedDevices> {
  const pair = await openPtyPair();
  try {
    const gps = await underIndex(ctx, 'nmea', () =>
      startGpsReceiver(
        { ...config, path: pair.devicePath, hostPath: pair.hostPath } as Parameters<
          typeof startGpsReceiver
        >[0],
        { clock: ctx.clock, binding: pair.binding },
      ),
    );
    return {
      devices: [gps],
      close: async () => {
        await gps.close();
        await pair.close();
      },
    };
  } catch (err) {
    await pair.close();
    throw err;
  }
}

/** A DS18B20 or a door contact: files in a sysfs-like tree under the fleet's root (unless it names its own). */
async function startFileDevice(
  kind: 'w1' | 'gpio',
  config: Record<string, unknown>,
  ctx: StartContext,
): Promise<StartedDevices> {
  const root = typeof config.root === 'string' ? config.root : join(ctx.root, kind);
  await mkdir(root, { recursive: true });
  const input = { ...config, root };
  const device: SimDevice = await underIndex<SimDevice>(ctx, kind, () =>
    kind === 'w1' ? startW1Probe(input, { clock: ctx.clock }) : startGpioDoor(input, { clock: ctx.clock }),
  );
  return { devices: [device], close: () => device.close() };
}
