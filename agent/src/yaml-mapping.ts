import { isAbsolute, resolve } from 'node:path';
import { DURATION_HINT, parseDuration, parseSize, SIZE_HINT } from './units.js';

/**
 * How agent.yaml's readable keys map onto the config schema (agent/src/config.ts stays the one truth). The rules
 * are read off the schema's own key names, so a setting another part of the agent adds is writable in YAML
 * without touching this file:
 * - a key is the schema's key (`device`, `sources`, `samplePeriodMs`);
 * - or the schema key without its unit suffix, with the unit in the value: `samplePeriod: 60s` for
 *   `samplePeriodMs`, `keepalive: 30s` for `keepaliveS`, `diskBudget: 512MB` for `diskBudgetBytes` (a unit in the
 *   value is also accepted under the suffixed key: `samplePeriodMs: 60s`);
 * - a section groups keys that share a prefix: `batch: {maxRecords: 100, maxAge: 5m}` for `batchMaxRecords` and
 *   `batchMaxAgeMs`, `mqtt: {urls: [...]}` for `mqttUrls`;
 * - keys ending in `Dir`, `Path` or `File` are paths, resolved against the YAML file's directory when relative;
 * - nested objects of the schema (and lists of them) follow the same rules inside.
 */

export interface MappingProblem {
  /** Where in the YAML, `a.b[2]`. */
  path: (string | number)[];
  message: string;
}

export interface Mapped {
  value: Record<string, unknown>;
  problems: MappingProblem[];
  /** Schema path (rendered `a.b[2]`) -> the YAML path it came from. */
  origins: Map<string, (string | number)[]>;
}

/** Readable names that are not derived from a schema key. */
const ALIASES: Record<string, string> = { interval: 'samplePeriod' };

/** One key standing in for another the schema does not have (yet): a list of one for a single value, etc. */
const STAND_INS: Record<string, { key: string; convert(v: unknown): unknown }> = {
  mqttUrls: { key: 'mqttUrl', convert: (v) => (Array.isArray(v) && v.length === 1 ? v[0] : v) },
  mqttUrl: { key: 'mqttUrls', convert: (v) => (typeof v === 'string' ? [v] : v) },
};

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { def: Def }).def;

/** The schema under wrappers that do not change what a value is. */
export function unwrapSchema(schema: unknown): unknown {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(s);
    if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) {
      s = def.innerType;
    } else if (def.type === 'pipe') {
      s = defOf(def.in).type === 'transform' ? def.out : def.in;
    } else {
      return s;
    }
  }
  return s;
}

/** The shape of an object schema, or undefined. */
export function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  const def = defOf(unwrapSchema(schema));
  return def.type === 'object' ? (def.shape as Record<string, unknown>) : undefined;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The readable name of a schema key: its unit suffix dropped. */
export function readableName(key: string): string {
  return key.replace(/(?<=[a-z])(Ms|S|Bytes)$/, '');
}

export function renderPath(path: readonly (string | number)[]): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s === '' ? '(root)' : s;
}

/** Maps a parsed YAML mapping onto an object schema. `baseDir` resolves relative paths. */
export function mapToSchema(input: Record<string, unknown>, schema: unknown, baseDir: string): Mapped {
  const out: Mapped = { value: {}, problems: [], origins: new Map() };
  mapObject(input, shapeOf(schema) ?? {}, [], [], [], out.value, out, baseDir, true);
  return out;
}

function mapObject(
  input: Record<string, unknown>,
  shape: Record<string, unknown>,
  yamlAt: (string | number)[],
  schemaAt: (string | number)[],
  /** The names an enclosing section stands for (`mqtt` -> `mqttUrls`, or just grouping: `mqtt.keepalive`). */
  prefixes: string[],
  into: Record<string, unknown>,
  out: Mapped,
  baseDir: string,
  top: boolean,
): void {
  for (const [key, value] of Object.entries(input)) {
    const yamlPath = [...yamlAt, key];
    const names =
      prefixes.length === 0
        ? [(top ? ALIASES[key] : undefined) ?? key]
        : [...prefixes.map((p) => p + cap(key)), key];
    let name = names[0] ?? key;
    let target: ReturnType<typeof findKey>;
    for (const n of names) {
      target = findKey(n, shape);
      name = n;
      if (target) break;
    }
    if (target === undefined) {
      if (isPlainObject(value)) {
        mapObject(value, shape, yamlPath, schemaAt, names, into, out, baseDir, top);
        continue;
      }
      const known = Object.keys(shape).map(readableName).join(', ');
      out.problems.push({ path: yamlPath, message: `unknown setting (the settings are: ${known})` });
      continue;
    }
    const schemaPath = [...schemaAt, target.key];
    const origin = out.origins.get(renderPath(schemaPath));
    if (origin) {
      out.problems.push({ path: yamlPath, message: `sets the same thing as ${renderPath(origin)}` });
      continue;
    }
    out.origins.set(renderPath(schemaPath), yamlPath);
    // `samplePeriod: 60` has no unit: seconds or milliseconds? Say which to write rather than guess.
    if (typeof value === 'number' && target.key !== name && target.key.startsWith(name)) {
      const unit = target.key.endsWith('Bytes') ? 'MB' : 's';
      out.problems.push({
        path: yamlPath,
        message: `needs a unit (e.g. ${value}${unit}), or write it as ${target.key}`,
      });
      continue;
    }
    const converted = convert(
      target.convert(value),
      target.key,
      shape[target.key],
      yamlPath,
      schemaPath,
      out,
      baseDir,
    );
    if (converted !== undefined) into[target.key] = converted;
  }
}

function findKey(
  name: string,
  shape: Record<string, unknown>,
): { key: string; convert(v: unknown): unknown } | undefined {
  const same = (v: unknown) => v;
  for (const key of [name, `${name}Ms`, `${name}S`, `${name}Bytes`]) {
    if (key in shape) return { key, convert: same };
  }
  const standIn = STAND_INS[name];
  if (standIn && standIn.key in shape) return standIn;
  return undefined;
}

function convert(
  value: unknown,
  key: string,
  schema: unknown,
  yamlPath: (string | number)[],
  schemaPath: (string | number)[],
  out: Mapped,
  baseDir: string,
): unknown {
  const fail = (message: string) => {
    out.problems.push({ path: yamlPath, message });
    return undefined;
  };
  if (typeof value === 'string') {
    if (/[a-z]Ms$/.test(key))
      return parseDuration(value) ?? fail(`must be ${DURATION_HINT} (got "${value}")`);
    if (/[a-z]S$/.test(key)) {
      const ms = parseDuration(value);
      if (ms === undefined) return fail(`must be ${DURATION_HINT} (got "${value}")`);
      return ms % 1000 === 0 ? ms / 1000 : fail(`must be whole seconds (got "${value}")`);
    }
    if (/[a-z]Bytes$/.test(key)) return parseSize(value) ?? fail(`must be ${SIZE_HINT} (got "${value}")`);
    if (/[a-z](Dir|Path|File)$/.test(key) && value !== '') {
      return isAbsolute(value) ? value : resolve(baseDir, value);
    }
    return value;
  }
  const inner = unwrapSchema(schema);
  const shape = shapeOf(inner);
  if (shape && isPlainObject(value)) {
    const obj: Record<string, unknown> = {};
    mapObject(value, shape, yamlPath, schemaPath, [], obj, out, baseDir, false);
    return obj;
  }
  const def = defOf(inner);
  if (def.type === 'array' && Array.isArray(value)) {
    const elementKey = key.replace(/s$/, '');
    return value.map((item, i) =>
      convert(
        item,
        shapeOf(def.element) ? '' : elementKey,
        def.element,
        [...yamlPath, i],
        [...schemaPath, i],
        out,
        baseDir,
      ),
    );
  }
  return value;
}
