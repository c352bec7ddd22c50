import { parseDuration } from './duration.js';
import type { FaultKind, Scenario, ScenarioEvent, ScenarioFault, Wave } from './scenario.js';

/**
 * Validation of untrusted scenario YAML. Every problem is reported as `path: message` (CONVENTIONS habit 5),
 * all at once, so a user fixes the file in one pass.
 */
export type ScenarioCheck = { ok: true; scenario: Scenario } | { ok: false; problems: string[] };

type Obj = Record<string, unknown>;
const KINDS: readonly FaultKind[] = ['crc', 'garbage', 'silent', 'truncated', 'exception'];
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

class Checker {
  readonly problems: string[] = [];

  add(path: string, message: string): void {
    this.problems.push(`${path || '(root)'}: ${message}`);
  }

  object(v: unknown, path: string, keys: readonly string[]): Obj | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(path, 'must be a mapping');
      return undefined;
    }
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) this.add(join(path, k), `unknown key (expected one of: ${keys.join(', ')})`);
    }
    return v as Obj;
  }

  number(o: Obj, key: string, path: string, opts: { min?: number; max?: number; def?: number } = {}) {
    const v = o[key] ?? opts.def;
    const p = join(path, key);
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(p, 'must be a number');
    if (opts.min !== undefined && v < opts.min) return this.fail(p, `must be >= ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) return this.fail(p, `must be <= ${opts.max}`);
    return v;
  }

  integer(o: Obj, key: string, path: string, min: number, max: number, def?: number) {
    const v = o[key] ?? def;
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
      return this.fail(join(path, key), `must be an integer ${min}..${max}`);
    }
    return v as number;
  }

  string(o: Obj, key: string, path: string, def?: string): string | undefined {
    const v = o[key] ?? def;
    if (typeof v !== 'string' || v.trim() === '')
      return this.fail(join(path, key), 'must be a non-empty string');
    return v;
  }

  duration(o: Obj, key: string, path: string, opts: { positive?: boolean; def?: string } = {}) {
    const v = o[key] ?? opts.def;
    const ms = v === 0 ? 0 : typeof v === 'string' ? parseDuration(v) : undefined;
    const p = join(path, key);
    if (ms === undefined) return this.fail(p, 'must be a duration such as "10m", "1h30m" or "45s"');
    if (opts.positive && ms <= 0) return this.fail(p, 'must be longer than zero');
    return ms;
  }

  private fail(path: string, message: string): undefined {
    this.add(path, message);
    return undefined;
  }
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function wave(c: Checker, root: Obj, key: string, def: { mean: number; swing: number; period: string }) {
  const o = c.object(root[key] ?? {}, key, ['mean', 'swing', 'period']);
  if (!o) return undefined;
  const mean = c.number(o, 'mean', key, { def: def.mean });
  const swing = c.number(o, 'swing', key, { min: 0, def: def.swing });
  const periodMs = c.duration(o, 'period', key, { positive: true, def: def.period });
  if (mean === undefined || swing === undefined || periodMs === undefined) return undefined;
  return { mean, swing, periodMs } satisfies Wave;
}

function list(c: Checker, root: Obj, key: string): unknown[] {
  const v = root[key] ?? [];
  if (Array.isArray(v)) return v;
  c.add(key, 'must be a list');
  return [];
}

function events(c: Checker, root: Obj, upper: number | undefined): ScenarioEvent[] {
  const out: ScenarioEvent[] = [];
  list(c, root, 'events').forEach((item, i) => {
    const path = join('events', i);
    const o = c.object(item, path, ['name', 'start', 'duration', 'peak']);
    if (!o) return;
    const name = c.string(o, 'name', path, `event-${i + 1}`);
    const startMs = c.duration(o, 'start', path);
    const durationMs = c.duration(o, 'duration', path, { positive: true });
    const peak = c.number(o, 'peak', path);
    if (peak !== undefined && peak > REGISTER_MAX) {
      c.add(
        join(path, 'peak'),
        `must be at most ${REGISTER_MAX} °C, the most the probe's int16 register carries`,
      );
    }
    if (peak !== undefined && upper !== undefined && Math.round(peak * 10) <= Math.round(upper * 10)) {
      c.add(join(path, 'peak'), `must be above the upper limit ${upper} by at least ${STEP}`);
    }
    if (name !== undefined && startMs !== undefined && durationMs !== undefined && peak !== undefined) {
      out.push({ name, startMs, durationMs, peak });
    }
  });
  return out;
}

function faults(c: Checker, root: Obj): ScenarioFault[] {
  const out: ScenarioFault[] = [];
  list(c, root, 'faults').forEach((item, i) => {
    const path = join('faults', i);
    const o = c.object(item, path, ['kind', 'at', 'duration', 'count', 'code']);
    if (!o) return;
    const kind = o.kind as FaultKind;
    if (!KINDS.includes(kind)) c.add(join(path, 'kind'), `must be one of: ${KINDS.join(', ')}`);
    const atMs = c.duration(o, 'at', path);
    const durationMs =
      o.duration === undefined ? undefined : c.duration(o, 'duration', path, { positive: true });
    if (durationMs !== undefined && o.count !== undefined) {
      c.add(path, 'give either duration (every request in a window) or count (that many requests), not both');
    }
    const count = c.integer(o, 'count', path, 1, 1_000_000, 1);
    if (o.code !== undefined && kind !== 'exception')
      c.add(join(path, 'code'), 'only faults of kind exception');
    const code = o.code === undefined ? undefined : c.integer(o, 'code', path, 1, 255);
    if (!KINDS.includes(kind) || atMs === undefined || count === undefined) return;
    const fault: ScenarioFault = { kind, atMs, count };
    if (durationMs !== undefined) fault.durationMs = durationMs;
    if (code !== undefined) fault.code = code;
    out.push(fault);
  });
  return out;
}

/** Cross-field rules: events inside the scenario and apart; faults outside events, so detection stays exact. */
function crossCheck(c: Checker, s: Scenario): void {
  const { lower, upper } = s.limits;
  const t = TEMPERATURE_RANGE;
  const h = HUMIDITY_RANGE;
  for (const [key, v] of Object.entries(s.limits)) {
    if (v < t.min || v > t.max)
      c.add(`limits.${key}`, `must lie within the probe's range ${t.min}..${t.max} °C`);
  }
  if (lower >= upper) c.add('limits', 'lower must be below upper');
  const { mean, swing } = s.temperature;
  if (mean < lower || mean > upper) {
    c.add('temperature.mean', `must lie within the limits ${lower}..${upper}`);
  } else if (mean - swing < t.min || mean + swing > t.max) {
    c.add(
      'temperature',
      `mean ± swing must lie within the probe's range ${t.min}..${t.max} °C (${mean} ± ${swing})`,
    );
  }
  const hum = s.humidity;
  if (hum.mean < h.min || hum.mean > h.max) {
    c.add('humidity.mean', `must lie within ${h.min}..${h.max} %RH`);
  } else if (hum.mean - hum.swing < h.min || hum.mean + hum.swing > h.max) {
    c.add('humidity', `mean ± swing must lie within ${h.min}..${h.max} %RH (${hum.mean} ± ${hum.swing})`);
  }
  const sorted = s.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.startMs - b.e.startMs);
  sorted.forEach(({ e, i }, k) => {
    if (e.startMs + e.durationMs > s.durationMs)
      c.add(`events[${i}]`, 'must end within the scenario duration');
    const next = sorted[k + 1];
    if (next && e.startMs + e.durationMs > next.e.startMs) {
      c.add(`events[${i}]`, `overlaps events[${next.i}]`);
    }
  });
  s.faults.forEach((f, i) => {
    if (f.atMs >= s.durationMs) c.add(`faults[${i}].at`, 'must lie within the scenario duration');
    const end = f.atMs + (f.durationMs ?? 1);
    const hit = s.events.findIndex((e) => f.atMs < e.startMs + e.durationMs && end > e.startMs);
    if (hit >= 0) c.add(`faults[${i}]`, `overlaps events[${hit}]; put faults outside event windows`);
  });
}

export function checkScenario(raw: unknown): ScenarioCheck {
  const c = new Checker();
  const root = c.object(raw, '', [
    'name',
    'duration',
    'seed',
    'limits',
    'temperature',
    'humidity',
    'events',
    'faults',
  ]);
  if (!root) return { ok: false, problems: c.problems };
  const name = c.string(root, 'name', '');
  const durationMs = c.duration(root, 'duration', '', { positive: true });
  const seed = c.integer(root, 'seed', '', 0, 2 ** 31 - 1, 1);
  const lim = c.object(root.limits ?? {}, 'limits', ['lower', 'upper']);
  const lower = lim && c.number(lim, 'lower', 'limits', { def: 2 });
  const upper = lim && c.number(lim, 'upper', 'limits', { def: 8 });
  const temperature = wave(c, root, 'temperature', { mean: 5, swing: 1, period: '4h' });
  const humidity = wave(c, root, 'humidity', { mean: 52, swing: 5, period: '5h' });
  const evs = events(c, root, upper);
  const fls = faults(c, root);
  if (c.problems.length > 0) return { ok: false, problems: c.problems };
  const scenario: Scenario = {
    name: name!,
    durationMs: durationMs!,
    seed: seed!,
    limits: { lower: lower!, upper: upper! },
    temperature: temperature!,
    humidity: humidity!,
    events: evs,
    faults: fls,
  };
  crossCheck(c, scenario);
  return c.problems.length > 0 ? { ok: false, problems: c.problems } : { ok: true, scenario };
}
