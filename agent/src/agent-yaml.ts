import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ColdtrailError, type Env, ErrorCode, isColdtrailError } from '@coldtrail/core';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { AgentConfigSchema, parseAgentConfig, type ResolvedAgentConfig } from './config.js';
import { type MappingProblem, mapToSchema, readableName, renderPath } from './yaml-mapping.js';

/** Where a missing setting is written in agent.yaml, when that is not its schema name. */
const WRITTEN_AS: Record<string, string> = {
  mqttUrls: 'mqtt.urls',
  mqttUrl: 'mqtt.urls',
  samplePeriodMs: 'interval',
};

export interface AgentYamlOptions {
  /** `COLDTRAIL_AGENT_<KEY>` overrides (the schema's key names); default process.env. */
  env?: Env;
  /** Resolves relative paths (dataDir, ...); default the current directory. */
  baseDir?: string;
  /** Names the file in messages. */
  source?: string;
}

/**
 * Reads agent.yaml (see yaml-mapping.ts for how its keys map onto AgentConfigSchema), applies env overrides
 * and validates it. Relative paths are resolved against the file's directory, so a config and its data can
 * move together. Throws NOT_FOUND when the file cannot be read, INVALID_CONFIG listing every problem as
 * `path: message (line N)` otherwise — YAML syntax errors included, each with its line.
 */
export async function loadAgentYaml(path: string, env?: Env): Promise<ResolvedAgentConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ColdtrailError(
      code === 'ENOENT' ? ErrorCode.NotFound : ErrorCode.InvalidInput,
      `cannot read agent config ${file} (${code ?? String(err)}); create one with \`coldtrail agent init\``,
      { cause: err },
    );
  }
  return parseAgentYaml(text, { source: file, baseDir: dirname(file), ...(env ? { env } : {}) });
}

/** `loadAgentYaml` on text already read. */
export function parseAgentYaml(text: string, options: AgentYamlOptions = {}): ResolvedAgentConfig {
  const source = options.source ?? 'agent.yaml';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? '' : ` (line ${lines.linePos(offset).line})`;
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `line ${at.line}, column ${at.col}: ${e.message.split('\n')[0]}`;
    });
    throw invalid(source, problems, 'is not valid YAML');
  }
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(source, [
      '(root): must be a mapping of settings such as device, org, dataDir, mqtt, sources',
    ]);
  }
  const mapped = mapToSchema(
    raw as Record<string, unknown>,
    AgentConfigSchema,
    options.baseDir ?? process.cwd(),
  );
  const at = (path: MappingProblem['path']) => `${renderPath(path)}: `;
  const problems = mapped.problems.map(
    (p) => `${at(p.path)}${p.message}${lineOf(offsetOf(doc.contents, p.path))}`,
  );
  try {
    const cfg = parseAgentConfig(mapped.value, options.env);
    if (problems.length === 0) return cfg;
  } catch (err) {
    if (!isColdtrailError(err) || err.code !== ErrorCode.InvalidConfig) throw err;
    const failed = mapped.problems.map((p) => renderPath(p.path));
    for (const problem of (err.details?.problems as string[] | undefined) ?? [err.message]) {
      const where = yamlPlace(problem, mapped.origins);
      if (where && failed.some((f) => where.rendered.startsWith(f))) continue; // already said, in YAML terms
      problems.push(
        where
          ? `${where.rendered}${problem.slice(where.schemaLength)}${lineOf(offsetOf(doc.contents, where.path))}`
          : problem,
      );
    }
  }
  throw invalid(source, problems);
}

function invalid(source: string, problems: string[], what = 'is not a valid agent config'): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.InvalidConfig,
    `${source} ${what}; fix these and start again:\n  ${problems.join('\n  ')}`,
    { details: { problems } },
  );
}

/** The YAML path of a schema problem `schemaPath: message` (undefined for env problems and unmapped paths). */
function yamlPlace(
  problem: string,
  origins: Map<string, (string | number)[]>,
): { rendered: string; path: (string | number)[]; schemaLength: number } | undefined {
  const schemaPath = problem.slice(0, problem.indexOf(': '));
  if (schemaPath.startsWith('env ')) return undefined;
  let best: string | undefined;
  for (const key of origins.keys()) {
    const prefixes =
      schemaPath === key || schemaPath.startsWith(`${key}.`) || schemaPath.startsWith(`${key}[`);
    if (prefixes && (best === undefined || key.length > best.length)) best = key;
  }
  if (best === undefined) {
    // A setting that is missing altogether: name it as agent.yaml writes it.
    const top = schemaPath.split(/[.[]/)[0] ?? schemaPath;
    const written = WRITTEN_AS[top] ?? readableName(top);
    return { rendered: written + schemaPath.slice(top.length), path: [], schemaLength: schemaPath.length };
  }
  const path = origins.get(best) ?? [];
  return {
    rendered: renderPath(path) + schemaPath.slice(best.length),
    path,
    schemaLength: schemaPath.length,
  };
}

/** Source offset of the node at a YAML path (the key for a missing value), for line numbers. */
function offsetOf(node: unknown, path: readonly (string | number)[]): number | undefined {
  let at = node as Node | null | undefined;
  let offset: number | undefined;
  for (const seg of path) {
    if (isMap(at)) {
      const pair = at.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) return offset;
      offset = (pair.key as Node).range?.[0] ?? offset;
      at = pair.value as Node | null;
    } else if (isSeq(at) && typeof seg === 'number') {
      at = at.items[seg] as Node | undefined;
      offset = at?.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}
