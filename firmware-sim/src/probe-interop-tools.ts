import { spawnSync } from 'node:child_process';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { PtySupport } from './socat.js';

/**
 * A third-party implementation an interop test runs against (issue 7: the simulated probe must answer a real
 * Modbus master, the agent must read a real Modbus slave). Debian packages them; `probe` says whether this
 * machine has it.
 */
export interface InteropTool {
  /** What the test needs, as a reader would name it (`mbpoll`, `pymodbus`). */
  name: string;
  /** The command that installs it. */
  install: string;
  /** A command and arguments that exit 0 when the tool is usable. */
  probe: [string, ...string[]];
}

/** libmodbus's command-line master. */
export const MBPOLL: InteropTool = {
  name: 'mbpoll',
  install: 'apt-get install -y mbpoll',
  probe: ['mbpoll', '-V'],
};

/**
 * Debian's python with pymodbus and pyserial (and serial_asyncio, which pymodbus' serial server imports).
 * Debian's own interpreter: a pyenv `python3` first on PATH does not see Debian's modules.
 */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const PYMODBUS: InteropTool = {
  name: 'pymodbus (with pyserial and serial_asyncio, for /usr/bin/python3)',
  install: 'apt-get install -y python3-pymodbus python3-serial python3-serial-asyncio',
  probe: [DEBIAN_PYTHON, '-c', 'import pymodbus.server, serial, serial_asyncio'],
};

/**
 * Decides whether an interop suite runs, as `ptySupport` does for socat: without the tool it is skipped and
 * says why; with `CI=true` the tool is required, so its absence throws (naming it and its install command)
 * and fails the test file.
 */
export function interopSupport(
  tool: InteropTool,
  options: { env?: Record<string, string | undefined>; warn?: (message: string) => void } = {},
): PtySupport {
  const [command, ...args] = tool.probe;
  if (spawnSync(command, args, { stdio: 'ignore' }).status === 0) return { available: true, reason: '' };
  const env = options.env ?? process.env;
  if (env.CI === 'true') {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `CI=true and ${tool.name} is missing: the Modbus interop tests are required on CI. Run \`${tool.install}\` and try again.`,
    );
  }
  const why = `${tool.name} is not installed (\`${tool.install}\` to run them)`;
  (options.warn ?? console.warn)(`coldtrail: Modbus interop tests skipped: ${why}`);
  return { available: false, reason: ` — SKIPPED: ${why}` };
}
