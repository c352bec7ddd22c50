import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  ColdtrailError,
  createLifecycle,
  ErrorCode,
  opening,
  systemClock,
  type TimerClock,
} from '@coldtrail/core';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { startFleetDevice } from './fleet-devices.js';
import { type FleetDeviceSpec, parseFleetSpec } from './fleet-schema.js';
import { parseScenario } from './scenario.js';
import type { SimDevice } from './sim-device.js';

/**
 * A fleet: the simulated devices one shipment carries (probes on an RS-485 bus, a GPS, 1-Wire probes, a door
 * contact), as `coldtrail sim start --scenario FILE` runs them in their own process. A plain probe scenario
 * (lane-2-8.yaml) is a fleet of one Modbus probe at unit 1.
 */
export interface Fleet {
  readonly name: string;
  readonly devices: readonly SimDevice[];
  /** Idempotent: stops every device and removes what they made (PTY pairs, sysfs trees). */
  close(): Promise<void>;
}

export interface FleetDeps {
  /** Simulated time shared by every device; default the system clock. */
  clock?: TimerClock;
  /** Where file-based devices (1-Wire, GPIO) lay out their sysfs-like trees; default a new temp dir, removed on close. */
  root?: string;
}

/** Reads a fleet (or a single-probe scenario) file; problems are reported as `path: message`. */
export async function loadFleet(file: string): Promise<{ name: string; devices: FleetDeviceSpec[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ColdtrailError(ErrorCode.NotFound, `cannot read scenario file ${file}: ${String(err)}`, {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ColdtrailError(ErrorCode.InvalidConfig, `${file}${where}: not valid YAML: ${String(err)}`, {
      cause: err,
    });
  }
  const isFleet = typeof raw === 'object' && raw !== null && 'devices' in raw;
  if (!isFleet) {
    const scenario = parseScenario(text, file);
    return { name: scenario.name, devices: [{ kind: 'modbus', units: [{ unit: 1, scenario }] }] };
  }
  return parseFleetSpec(raw, file, async (path) => parseScenario(await readText(path), path), {
    baseDir: dirname(resolve(file)),
  });
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ColdtrailError(ErrorCode.NotFound, `cannot read scenario file ${path}: ${String(err)}`, {
      cause: err,
    });
  }
}

/** Starts every device of the fleet; on a failure the ones already started are stopped again. */
export async function startFleet(
  spec: { name: string; devices: readonly FleetDeviceSpec[] },
  deps: FleetDeps = {},
): Promise<Fleet> {
  const clock = deps.clock ?? systemClock;
  const life = createLifecycle();
  return opening(life, async () => {
    let root = deps.root;
    if (root === undefined) {
      const made = await mkdtemp(join(tmpdir(), 'coldtrail-sim-'));
      life.defer('sysfs tree', () => rm(made, { recursive: true, force: true }));
      root = made;
    }
    const devices: SimDevice[] = [];
    for (const [i, device] of spec.devices.entries()) {
      const started = await startFleetDevice(device, {
        index: i,
        clock,
        root,
      });
      for (const d of started.devices) devices.push(d);
      life.defer(`devices[${i}] (${device.kind})`, () => started.close());
    }
    return { name: spec.name, devices, close: () => life.close() };
  });
}
