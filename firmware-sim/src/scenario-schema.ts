import { isColdtrailError, parseConfig } from '@coldtrail/core';
import { z } from 'zod';
import { durationSchema } from './duration-schema.js';
import type { FaultKind, Scenario, ScenarioEvent, ScenarioFault } from './scenario.js';

/**
 * Validation of untrusted scenario YAML: one zod schema, read through core's parseConfig, so every problem is
 * reported as `path: message` (CONVENTIONS habit 5), all at once, and a user fixes the file in one pass.
 * A scenario is a data file, not a service's settings: no environment overrides.
 */
export type ScenarioCheck = { ok: true; scenario: Scenario } | { ok: false; problems: string[] };

const KINDS = [
  'crc',
  'garbage',
  'silent',
  'truncated',
  'exception',
  'late',
] as const satisfies readonly FaultKind[];
/** Resolution of the probe's registers: values are compared as they travel, in tenths of a unit. */
const STEP = 0.1;
/** The probe's measuring range (the agent's TEMPERATURE_RANGE and HUMIDITY_RANGE): normal values stay inside. */
const TEMPERATURE_RANGE = { min: -55, max: 125 } as const;
const HUMIDITY_RANGE = { min: 0, max: 100 } as const;
/**
 * The temperature register is int16 in tenths of a degree; beyond this a value would wrap on the wire. An event
 * may peak past the probe's range (a failing sensor, which the agent reports as out-of-range), not past this.
 */
const REGISTER_MAX = 3276.7;
const DEFAULT_UPPER = 8;

/** An empty YAML value (`key:`) is null: it means "not given", so the default applies. */
const given = <T extends z.ZodType>(schema: T, fallback?: unknown) =>
  z.preprocess((v) => v ?? fallback, schema);

const mapping = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? 'must be a mapping' : undefined),
  });

const number = (opts: { min?: number } = {}) => {
  const n = z.number({ error: 'must be a number' });
  return opts.min === undefined ? n : n.min(opts.min, { error: `must be >= ${opts.min}` });
};

const integer = (min: number, max: number) => {
  const error = `must be an integer ${min}..${max}`;
  return z.number({ error }).refine((v) => Number.isInteger(v) && v >= min && v <= max, { error });
};

const text = z
  .string({ error: 'must be a non-empty string' })
  .refine((v) => v.trim() !== '', { error: 'must be a non-empty string' });

/** `0`, or a duration such as "1h30m", in milliseconds. */
const duration = (opts: { positive?: boolean } = {}) =>
  durationSchema(
    'must be a duration such as "10m", "1h30m" or "45s"',
    opts.positive ? 'must be longer than zero' : undefined,
  );

const wave = (def: { mean: number; swing: number; period: string }) =>
  given(
    mapping({
      mean: given(number(), def.mean),
      swing: given(number({ min: 0 }), def.swing),
      period: given(duration({ positive: true }), def.period),
    }).transform((w) => ({ mean: w.mean, swing: w.swing, periodMs: w.period })),
    {},
  );

const list = <T extends z.ZodType>(item: T) => given(z.array(item, { error: 'must be a list' }), []);

const event = mapping({
  name: given(text).optional(),
  start: duration(),
  duration: duration({ positive: true }),
  peak: number().refine((p) => p <= REGISTER_MAX, {
    error: `must be at most ${REGISTER_MAX} °C, the most the probe's int16 register carries`,
  }),
});

const fault = mapping({
  kind: z.enum(KINDS, { error: `must be one of: ${KINDS.join(', ')}` }),
  at: duration(),
  duration: duration({ positive: true }).optional(),
  count: given(integer(1, 1_000_000)).optional(),
  code: integer(1, 255).optional(),
  delay: duration({ positive: true }).optional(),
}).superRefine(
  (value, ctx) => {
    // These rules hold even while other fields of the fault are wrong (one report), so they read what is there.
    const o = value as unknown;
    if (!isMapping(o)) return;
    if (o.duration !== undefined && o.count !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either duration (every request in a window) or count (that many requests), not both',
      });
    }
    if (o.code !== undefined && o.kind !== 'exception') {
      ctx.addIssue({ code: 'custom', path: ['code'], message: 'only faults of kind exception' });
    }
    if (o.delay !== undefined && o.kind !== 'late') {
      ctx.addIssue({ code: 'custom', path: ['delay'], message: 'only faults of kind late' });
    }
  },
  { when: () => true },
);

export const ScenarioSchema = mapping({
  name: text,
  duration: duration({ positive: true }),
  seed: given(integer(0, 2 ** 31 - 1), 1),
  limits: given(mapping({ lower: given(number(), 2), upper: given(number(), DEFAULT_UPPER) }), {}),
  temperature: wave({ mean: 5, swing: 1, period: '4h' }),
  humidity: wave({ mean: 52, swing: 5, period: '5h' }),
  events: list(event),
  faults: list(fault),
})
  .superRefine((value, ctx) => peaksAboveUpper(value, ctx), { when: () => true })
  .transform(
    (s): Scenario => ({
      name: s.name,
      durationMs: s.duration,
      seed: s.seed,
      limits: s.limits,
      temperature: s.temperature,
      humidity: s.humidity,
      events: s.events.map(
        (e, i): ScenarioEvent => ({
          name: e.name ?? `event-${i + 1}`,
          startMs: e.start,
          durationMs: e.duration,
          peak: e.peak,
        }),
      ),
      faults: s.faults.map((f): ScenarioFault => {
        const out: ScenarioFault = { kind: f.kind, atMs: f.at, count: f.count ?? 1 };
        if (f.duration !== undefined) out.durationMs = f.duration;
        if (f.code !== undefined) out.code = f.code;
        if (f.delay !== undefined) out.delayMs = f.delay;
        return out;
      }),
    }),
  )
  .check((ctx) => {
    // Cross-field rules only once every field is valid (as before): they read the parsed scenario.
    if (ctx.issues.length > 0) return;
    for (const [path, message] of crossCheck(ctx.value)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path, message });
    }
  });

/**
 * An event must read above the upper limit. Checked beside the other field rules (so with them in one report),
 * hence from the input as far as it is well-formed.
 */
function peaksAboveUpper(value: unknown, ctx: z.RefinementCtx): void {
  if (!isMapping(value)) return;
  const limits = value.limits ?? {};
  const upper = isMapping(limits) ? (limits.upper ?? DEFAULT_UPPER) : undefined;
  if (typeof upper !== 'number' || !Number.isFinite(upper) || !Array.isArray(value.events)) return;
  value.events.forEach((e: unknown, i) => {
    const peak = isMapping(e) ? e.peak : undefined;
    if (
      typeof peak === 'number' &&
      Number.isFinite(peak) &&
      Math.round(peak * 10) <= Math.round(upper * 10)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['events', i, 'peak'],
        message: `must be above the upper limit ${upper} by at least ${STEP}`,
      });
    }
  });
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Cross-field rules: events inside the scenario and apart; faults outside events, so detection stays exact. */
function crossCheck(s: Scenario): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const add = (path: (string | number)[], message: string) => out.push([path, message]);
  const { lower, upper } = s.limits;
  const t = TEMPERATURE_RANGE;
  const h = HUMIDITY_RANGE;
  for (const [key, v] of Object.entries(s.limits)) {
    if (v < t.min || v > t.max)
      add(['limits', key], `must lie within the probe's range ${t.min}..${t.max} °C`);
  }
  if (lower >= upper) add(['limits'], 'lower must be below upper');
  const { mean, swing } = s.temperature;
  if (mean < lower || mean > upper) {
    add(['temperature', 'mean'], `must lie within the limits ${lower}..${upper}`);
  } else if (mean - swing < t.min || mean + swing > t.max) {
    add(
      ['temperature'],
      `mean ± swing must lie within the probe's range ${t.min}..${t.max} °C (${mean} ± ${swing})`,
    );
  }
  const hum = s.humidity;
  if (hum.mean < h.min || hum.mean > h.max) {
    add(['humidity', 'mean'], `must lie within ${h.min}..${h.max} %RH`);
  } else if (hum.mean - hum.swing < h.min || hum.mean + hum.swing > h.max) {
    add(['humidity'], `mean ± swing must lie within ${h.min}..${h.max} %RH (${hum.mean} ± ${hum.swing})`);
  }
  const sorted = s.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.startMs - b.e.startMs);
  sorted.forEach(({ e, i }, k) => {
    if (e.startMs + e.durationMs > s.durationMs) add(['events', i], 'must end within the scenario duration');
    const next = sorted[k + 1];
    if (next && e.startMs + e.durationMs > next.e.startMs) add(['events', i], `overlaps events[${next.i}]`);
  });
  s.faults.forEach((f, i) => {
    if (f.atMs >= s.durationMs) add(['faults', i, 'at'], 'must lie within the scenario duration');
    const end = f.atMs + (f.durationMs ?? 1);
    const hit = s.events.findIndex((e) => f.atMs < e.startMs + e.durationMs && end > e.startMs);
    if (hit >= 0) add(['faults', i], `overlaps events[${hit}]; put faults outside event windows`);
  });
  return out;
}

export function checkScenario(raw: unknown): ScenarioCheck {
  try {
    return { ok: true, scenario: parseConfig(ScenarioSchema, raw, { service: 'scenario', env: false }) };
  } catch (err) {
    if (!isColdtrailError(err)) throw err;
    return { ok: false, problems: (err.details?.problems as string[] | undefined) ?? [err.message] };
  }
}
