import { resolve } from 'node:path';
import { ColdtrailError, ErrorCode, isColdtrailError, parseConfig } from '@coldtrail/core';
import { z } from 'zod';
import type { Scenario } from './scenario.js';

/** One Modbus probe of a bus: its slave address and what it reads. */
export interface FleetProbeSpec {
  unit: number;
  scenario: Scenario;
}

/** A device of the fleet, validated; other kinds carry their own device's config, checked when it starts. */
export type FleetDeviceSpec =
  | { kind: 'modbus'; baud?: number; echo?: boolean; units: FleetProbeSpec[] }
  | { kind: 'nmea' | 'w1' | 'gpio'; config: Record<string, unknown> };

const KINDS = ['modbus', 'nmea', 'w1', 'gpio'] as const;

const modbus = z.strictObject({
  kind: z.literal('modbus'),
  baud: z.number().int().positive().optional(),
  /** The line echoes the master's request before the reply, as a two-wire RS-485 adapter does. */
  echo: z.boolean().optional(),
  units: z
    .array(
      z.strictObject({
        unit: z.number().int().min(1).max(247, { error: 'must be a Modbus slave address 1..247' }),
        /** A probe scenario file, relative to the fleet file. */
        scenario: z.string().min(1),
      }),
    )
    .min(1, { error: 'name at least one probe' }),
});

const other = z.looseObject({ kind: z.enum(['nmea', 'w1', 'gpio']) });

const FleetSchema = z.strictObject({
  name: z.string().min(1),
  devices: z
    .array(
      z.unknown().superRefine((d, ctx) => {
        const kind = (d as { kind?: unknown } | null)?.kind;
        if (!KINDS.includes(kind as (typeof KINDS)[number])) {
          ctx.addIssue({ code: 'custom', path: ['kind'], message: `must be one of: ${KINDS.join(', ')}` });
          return;
        }
        const r = (kind === 'modbus' ? modbus : other).safeParse(d);
        for (const issue of r.error?.issues ?? []) ctx.addIssue({ ...issue, code: 'custom' } as never);
      }),
    )
    .min(1, { error: 'name at least one device' }),
});

/**
 * Validates a fleet file's content: every problem as `path: message`; each probe's scenario file (relative to
 * the fleet file) is loaded by `loadScenario` and its problems are reported under its own path.
 */
export async function parseFleetSpec(
  raw: unknown,
  source: string,
  loadScenario: (path: string) => Promise<Scenario>,
  options: { baseDir: string },
): Promise<{ name: string; devices: FleetDeviceSpec[] }> {
  const parsed = parseConfig(FleetSchema, raw, { service: 'fleet', env: false });
  const devices: FleetDeviceSpec[] = [];
  const problems: string[] = [];
  for (const [i, d] of parsed.devices.entries()) {
    const device = d as { kind: string } & Record<string, unknown>;
    if (device.kind !== 'modbus') {
      const { kind, ...config } = device;
      devices.push({ kind: kind as 'nmea' | 'w1' | 'gpio', config });
      continue;
    }
    const m = modbus.parse(device);
    const seen = new Set<number>();
    const units: FleetProbeSpec[] = [];
    for (const [j, u] of m.units.entries()) {
      if (seen.has(u.unit))
        problems.push(`devices[${i}].units[${j}].unit: unit ${u.unit} is already on this bus`);
      seen.add(u.unit);
      try {
        units.push({ unit: u.unit, scenario: await loadScenario(resolve(options.baseDir, u.scenario)) });
      } catch (err) {
        if (!isColdtrailError(err)) throw err;
        problems.push(`devices[${i}].units[${j}].scenario: ${err.message}`);
      }
    }
    devices.push({
      kind: 'modbus',
      ...(m.baud ? { baud: m.baud } : {}),
      ...(m.echo ? { echo: true } : {}),
      units,
    });
  }
  if (problems.length > 0) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `${source} is not a valid fleet; fix these fields:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      { details: { problems } },
    );
  }
  return { name: parsed.name, devices };
}
