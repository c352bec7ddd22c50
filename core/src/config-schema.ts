import type { z } from 'zod';
import { ColdtrailError, ErrorCode } from './errors.js';

/**
 * One way to read a service's settings (CONVENTIONS habits 5 and 6, zigbee2mqtt's settings as the model): a zod
 * schema with the defaults, the caller's object (file, arguments), then environment overrides
 * `COLDTRAIL_<SERVICE>_<KEY>` on top. A bad config lists every problem at once as `path: message`, a bad
 * environment variable as `env COLDTRAIL_X_Y: message`, so it is fixed in one go.
 */

/** Environment variables, as `process.env` holds them. Passed in so tests never touch `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ParseConfigOptions {
  /** The service (`agent`, `ledger-sync`, `broker`): names the env prefix and the error message. */
  service: string;
  /**
   * Where `COLDTRAIL_<SERVICE>_*` overrides come from; default `process.env`. `false` for input that has no
   * overrides (a data file such as a scenario).
   */
  env?: Env | false;
  /** First line of the error message; default `invalid <service> config:`. */
  heading?: string;
  /** Name of the root in problem paths (`broker` gives `broker.port`); default none, the root is `(root)`. */
  root?: string;
  /** The message for a key the schema does not know, given the keys it does. */
  unknownKey?: (known: readonly string[]) => string;
}

type Path = readonly PropertyKey[];
/** zod's internal definition, read only to walk the schema (`def` is public in zod 4). */
type Def = { type: string; [k: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { def: Def }).def;

/** `COLDTRAIL_` + the service and the key path, camelCase -> UPPER_SNAKE, joined with `_`. */
export function envName(service: string, path: readonly string[]): string {
  const snake = (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .toUpperCase();
  return ['COLDTRAIL', ...[service, ...path].map(snake)].join('_');
}

/**
 * Validates `input` against `schema` with env overrides applied and defaults merged; returns the typed config
 * or throws INVALID_CONFIG whose message (and `details.problems`) lists every problem.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: ParseConfigOptions,
): z.output<S> {
  const env = options.env === undefined ? process.env : options.env;
  const fromEnv = env === false ? { values: [], problems: [] } : readEnv(schema, options.service, env);
  const merged =
    fromEnv.values.length > 0 && isPlainObject(input) ? withValues(input, fromEnv.values) : input;
  const result = schema.safeParse(merged);
  const problems = [...fromEnv.problems];
  if (!result.success) problems.push(...describeIssues(schema, result.error.issues, fromEnv.values, options));
  if (problems.length === 0 && result.success) return result.data;
  const heading = options.heading ?? `invalid ${options.service} config:`;
  throw new ColdtrailError(ErrorCode.InvalidConfig, `${heading}\n  ${problems.join('\n  ')}`, {
    details: { problems },
  });
}

/** The settings a schema takes from the environment: every leaf of its (nested) objects, with its variable. */
export function envSettings(schema: z.ZodType, service: string): { name: string; path: string[] }[] {
  const out: { name: string; path: string[] }[] = [];
  const walk = (s: unknown, path: string[]) => {
    const def = defOf(unwrap(s));
    if (def.type === 'object' && path.length < 8) {
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) walk(v, [...path, k]);
    } else if (path.length > 0) {
      out.push({ name: envName(service, path), path });
    }
  };
  walk(schema, []);
  return out;
}

interface EnvValue {
  name: string;
  path: string[];
  value: unknown;
}

function readEnv(schema: z.ZodType, service: string, env: Env): { values: EnvValue[]; problems: string[] } {
  const settings = envSettings(schema, service);
  const byName = new Map(settings.map((s) => [s.name, s]));
  const prefix = `${envName(service, [])}_`;
  const values: EnvValue[] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    const setting = byName.get(name);
    if (!setting) {
      // A typo must not be ignored silently: the setting it meant would keep its old value.
      problems.push(
        `env ${name}: unknown setting; ${service} reads ${settings.map((s) => s.name).join(', ')}`,
      );
      continue;
    }
    const parsed = fromText(schemaAt(schema, setting.path), raw);
    if ('problem' in parsed) problems.push(`env ${name}: ${parsed.problem}`);
    else values.push({ ...setting, value: parsed.value });
  }
  return { values, problems };
}

/** Text of an environment variable as the schema's type: numbers, booleans, lists (JSON or a,b,c), text. */
function fromText(schema: unknown, raw: string): { value: unknown } | { problem: string } {
  const def = defOf(unwrap(schema));
  const got = ` (got ${JSON.stringify(raw)})`;
  switch (def.type) {
    case 'number':
    case 'int': {
      const n = Number(raw.trim());
      return raw.trim() === '' || !Number.isFinite(n) ? { problem: `must be a number${got}` } : { value: n };
    }
    case 'boolean': {
      const b = BOOLEANS[raw.trim().toLowerCase()];
      return b === undefined ? { problem: `must be true or false${got}` } : { value: b };
    }
    case 'array': {
      if (raw.trim().startsWith('[')) {
        try {
          const v: unknown = JSON.parse(raw);
          if (!Array.isArray(v)) throw new Error('not a list');
          return { value: v };
        } catch {
          return { problem: `must be a JSON list or comma-separated values${got}` };
        }
      }
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const out: unknown[] = [];
      for (const item of items) {
        const v = fromText(def.element, item);
        if ('problem' in v)
          return { problem: `item ${JSON.stringify(item)} ${v.problem.replace(/ \(got .*$/, '')}` };
        out.push(v.value);
      }
      return { value: out };
    }
    default:
      return { value: raw };
  }
}

const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

/** The schema under wrappers that do not change what a value is (defaults, optional, pipes, ...). */
function unwrap(schema: unknown): unknown {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(s);
    if (
      ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)
    ) {
      s = def.innerType;
    } else if (def.type === 'pipe') {
      // A preprocess is a pipe from a transform: what it accepts is described by its output side.
      s = defOf(def.in).type === 'transform' ? def.out : def.in;
    } else {
      return s;
    }
  }
  return s;
}

/** The schema of the value at `path`, or undefined where the schema does not say. */
function schemaAt(schema: unknown, path: Path): unknown {
  let s: unknown = schema;
  for (const seg of path) {
    const def = defOf(unwrap(s));
    if (def.type === 'object' && typeof seg === 'string') s = (def.shape as Record<string, unknown>)[seg];
    else if (def.type === 'array' && typeof seg === 'number') s = def.element;
    else return undefined;
    if (s === undefined) return undefined;
  }
  return s;
}

function describeIssues(
  schema: z.ZodType,
  issues: z.ZodError['issues'],
  fromEnv: readonly EnvValue[],
  o: ParseConfigOptions,
): string[] {
  const unknownKey = o.unknownKey ?? ((known) => `unknown key (expected one of: ${known.join(', ')})`);
  const where = (path: Path) => {
    const env = fromEnv.find((v) => v.path.every((seg, i) => path[i] === seg));
    return env ? `env ${env.name}` : renderPath(path, o.root);
  };
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const at = schemaAt(schema, issue.path);
      const def = at === undefined ? undefined : defOf(unwrap(at));
      const known = def?.type === 'object' ? Object.keys(def.shape as object) : [];
      for (const key of issue.keys) out.push(`${where([...issue.path, key])}: ${unknownKey(known)}`);
    } else {
      out.push(`${where(issue.path)}: ${issue.message}`);
    }
  }
  return out;
}

/** `a.b[2].c`, under `root` when given; the root itself is `root` or `(root)`. */
function renderPath(path: Path, root: string | undefined): string {
  let s = root ?? '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? String(seg) : `.${String(seg)}`;
  }
  return s === '' ? '(root)' : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `input` with each value set at its path (copies on the way down; the caller's object is not changed). */
function withValues(input: Record<string, unknown>, values: readonly EnvValue[]): Record<string, unknown> {
  const out = { ...input };
  for (const { path, value } of values) {
    let at: Record<string, unknown> = out;
    for (const seg of path.slice(0, -1)) {
      const next = at[seg];
      at[seg] = isPlainObject(next) ? { ...next } : {};
      at = at[seg] as Record<string, unknown>;
    }
    at[path[path.length - 1] as string] = value;
  }
  return out;
}
