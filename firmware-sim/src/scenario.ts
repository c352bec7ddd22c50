import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { checkScenario } from './scenario-schema.js';

/** A slow variation around a mean: the probe's "normal" signal. */
export interface Wave {
  mean: number;
  /** Half the peak-to-peak range of the main variation. */
  swing: number;
  periodMs: number;
}

/** A temperature event: the probe reads strictly above `limits.upper` for all of [startMs, startMs+durationMs). */
export interface ScenarioEvent {
  name: string;
  startMs: number;
  durationMs: number;
  /** Highest temperature reached, °C (0.1 °C resolution on the wire). */
  peak: number;
}

/** What the probe does wrong instead of answering normally. */
export const FaultKind = {
  /** A normal reply with its CRC corrupted. */
  Crc: 'crc',
  /** Bytes that are no Modbus frame at all. */
  Garbage: 'garbage',
  /** No reply (the master times out). */
  Silent: 'silent',
  /** The first bytes of a reply, then nothing. */
  Truncated: 'truncated',
  /** A Modbus exception response (default code 0x04, server device failure). */
  Exception: 'exception',
  /**
   * The normal reply, sent `delayMs` of wall time late (default 1 s, beyond the agent's default 500 ms
   * timeout): a slow slave whose answer must not be taken for the answer to the master's next request.
   */
  Late: 'late',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/**
 * A fault affects either every request in [atMs, atMs+durationMs) (when `durationMs` is set) or the first
 * `count` requests at or after `atMs`; a count fault lapses if nobody asks before the next fault or event begins.
 */
export interface ScenarioFault {
  kind: FaultKind;
  atMs: number;
  durationMs?: number;
  count: number;
  /** Exception code for kind `exception`. */
  code?: number;
  /** Wall-clock delay of the reply for kind `late`, ms (the serial line runs in real time). */
  delayMs?: number;
}

/** Offsets are milliseconds from the scenario start. */
export interface Scenario {
  name: string;
  durationMs: number;
  seed: number;
  limits: { lower: number; upper: number };
  temperature: Wave;
  humidity: Wave;
  events: ScenarioEvent[];
  faults: ScenarioFault[];
}

/** The committed default: a 12 h lane at 2-8 °C with one excursion, one spike and three faults. */
export const defaultScenarioPath: string = fileURLToPath(
  new URL('../scenarios/lane-2-8.yaml', import.meta.url),
);

/**
 * Parses and validates a scenario. Throws INVALID_CONFIG listing every problem as `path: message`.
 * `source` names the file in messages.
 */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ColdtrailError(ErrorCode.InvalidConfig, `${source}${where}: not valid YAML: ${String(err)}`, {
      cause: err,
    });
  }
  const result = checkScenario(raw);
  if (!result.ok) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `${source} is not a valid scenario; fix these fields:\n${result.problems.map((p) => `  ${p}`).join('\n')}`,
      { details: { problems: result.problems } },
    );
  }
  return result.scenario;
}

export async function loadScenario(file: string = defaultScenarioPath): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ColdtrailError(ErrorCode.NotFound, `cannot read scenario file ${file}: ${String(err)}`, {
      cause: err,
    });
  }
  return parseScenario(text, file);
}
