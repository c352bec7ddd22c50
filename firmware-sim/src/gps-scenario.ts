import { parseConfig } from '@coldtrail/core';
import { z } from 'zod';
import { durationSchema } from './duration-schema.js';

/**
 * What the simulated GPS receiver does: a route of waypoints driven at a constant speed from the start, and
 * windows (offsets from the start) in which it has no fix, sends garbage (a wrong baud rate, a noisy line)
 * or sentences with a bad checksum. A plain object (YAML in a `sim start` scenario), validated with zod
 * through core's parseConfig: every problem as `path: message`.
 */
export interface GpsWaypoint {
  lat: number;
  lon: number;
}

/** [atMs, atMs + durationMs) from the start. */
export interface GpsWindow {
  atMs: number;
  durationMs: number;
}

export interface GpsReceiverConfig {
  /** The device end of the serial line (e.g. `SerialPair.devicePath`). */
  path: string;
  /** The host end, which the agent opens: it names the device's address. */
  hostPath: string;
  baudRate: number;
  /** Talker id of the sentences: GN (multi-constellation, u-blox M8 default), GP, GL, GA, GB, BD... */
  talker: string;
  route: GpsWaypoint[];
  speedKmh: number;
  satellites: number;
  /** Epoch ms on the receiver's clock at which the route starts; default the clock's now at start. */
  startEpochMs: number | undefined;
  noFix: GpsWindow[];
  garbage: GpsWindow[];
  badChecksum: GpsWindow[];
}

/** What the receiver sends in one second. */
export type GpsCondition = 'fix' | 'no-fix' | 'garbage' | 'bad-checksum';

const duration = (positive: boolean) => {
  const message = `must be a duration such as "10m", "1h30m" or "45s"${positive ? ', longer than zero' : ''}`;
  return durationSchema(message, positive ? message : undefined);
};

const number = (min: number, max: number) =>
  z
    .number({ error: `must be a number ${min}..${max}` })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` });

const windows = z
  .array(
    z
      .strictObject({ at: duration(false), duration: duration(true).default(1000) })
      .transform((w): GpsWindow => ({ atMs: w.at, durationMs: w.duration })),
    { error: 'must be a list of { at, duration }' },
  )
  .default([]);

export const GpsReceiverConfigSchema = z
  .strictObject({
    path: z.string({ error: 'must be the device end of a serial line' }).min(1),
    hostPath: z.string({ error: 'must be the host end of the serial line' }).min(1),
    baudRate: z.number().int().min(50).max(4_000_000).default(9600),
    talker: z
      .string()
      .regex(/^[A-Z]{2}$/, { error: 'must be two capital letters (GN, GP, GL, GA, GB, BD...)' })
      .refine((t) => !t.startsWith('P'), { error: 'P is the proprietary prefix, not a talker' })
      .default('GN'),
    route: z
      .array(z.strictObject({ lat: number(-90, 90), lon: number(-180, 180) }), {
        error: 'must be a list of { lat, lon }',
      })
      .min(1, { error: 'needs at least one waypoint' }),
    speedKmh: number(0, 2000).default(50),
    satellites: z.number().int().min(4).max(99).default(9),
    startEpochMs: z.number().int().min(0).optional(),
    noFix: windows,
    garbage: windows,
    badChecksum: windows,
  })
  .transform((c): GpsReceiverConfig => ({ ...c, startEpochMs: c.startEpochMs }));

export type GpsReceiverConfigInput = z.input<typeof GpsReceiverConfigSchema>;

/** Validates a receiver config; throws INVALID_CONFIG listing every problem. */
export function parseGpsReceiverConfig(raw: unknown): GpsReceiverConfig {
  return parseConfig(GpsReceiverConfigSchema, raw, { service: 'gps-receiver', env: false });
}

/** Garbage wins over a bad checksum, which wins over no fix, where windows overlap. */
export function gpsConditionAt(config: GpsReceiverConfig, offsetMs: number): GpsCondition {
  const inside = (ws: GpsWindow[]) => ws.some((w) => offsetMs >= w.atMs && offsetMs < w.atMs + w.durationMs);
  if (inside(config.garbage)) return 'garbage';
  if (inside(config.badChecksum)) return 'bad-checksum';
  if (inside(config.noFix)) return 'no-fix';
  return 'fix';
}

/** Mean Earth radius (IUGG), km. */
const EARTH_KM = 6371.0088;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance, km (haversine). */
export function distanceKm(a: GpsWaypoint, b: GpsWaypoint): number {
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees true 0..360. */
function bearing(a: GpsWaypoint, b: GpsWaypoint): number {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x =
    Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) -
    Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

export interface GpsPosition extends GpsWaypoint {
  speedKmh: number;
  courseDeg: number;
}

/**
 * Where the receiver is `elapsedMs` after the start: along the route at constant speed, each leg
 * interpolated linearly in latitude/longitude (legs of a road route are short); at the last waypoint it stops.
 */
export function positionAt(route: readonly GpsWaypoint[], speedKmh: number, elapsedMs: number): GpsPosition {
  let left = (speedKmh * Math.max(0, elapsedMs)) / 3_600_000;
  for (let i = 0; i + 1 < route.length; i++) {
    const a = route[i]!;
    const b = route[i + 1]!;
    const leg = distanceKm(a, b);
    if (left < leg) {
      const f = leg === 0 ? 0 : left / leg;
      return {
        lat: a.lat + (b.lat - a.lat) * f,
        lon: a.lon + (b.lon - a.lon) * f,
        speedKmh,
        courseDeg: bearing(a, b),
      };
    }
    left -= leg;
  }
  const last = route[route.length - 1]!;
  return { lat: last.lat, lon: last.lon, speedKmh: 0, courseDeg: 0 };
}
