import { spawnSync } from 'node:child_process';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';

export const SOCAT_INSTALL = 'apt-get install -y socat';

const cache = new Map<string, boolean>();

/** True if the `socat` binary (or `command`) runs on this machine; checked once per process. */
export function socatAvailable(command = 'socat'): boolean {
  let ok = cache.get(command);
  if (ok === undefined) {
    ok = spawnSync(command, ['-V'], { stdio: 'ignore' }).status === 0;
    cache.set(command, ok);
  }
  return ok;
}

export function socatMissingError(cause?: unknown): ColdtrailError {
  return new ColdtrailError(
    ErrorCode.Unavailable,
    `socat is not installed, so no PTY pair can be made. Install it (Debian/Ubuntu: \`sudo ${SOCAT_INSTALL}\`) ` +
      'or use the in-process serial transport, which needs nothing but Node.',
    { cause },
  );
}

export interface PtySupport {
  available: boolean;
  /** Suffix for a suite title saying why it is skipped; empty when available. */
  reason: string;
}

/**
 * Decides whether PTY tests run. Without socat they are skipped and say why; on CI (`CI=true`) socat is
 * required (issue 2: "with CI=true they are required"), so its absence throws and fails the test file.
 *
 *     const pty = ptySupport();
 *     describe.skipIf(!pty.available)(`over a socat PTY pair${pty.reason}`, () => { ... });
 */
export function ptySupport(
  options: {
    env?: Record<string, string | undefined>;
    command?: string;
    warn?: (message: string) => void;
  } = {},
): PtySupport {
  const env = options.env ?? process.env;
  if (socatAvailable(options.command)) return { available: true, reason: '' };
  if (env.CI === 'true') {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `CI=true and socat is missing: the PTY serial tests are required on CI. Run \`${SOCAT_INSTALL}\` ` +
        '(.ci/run does) and try again.',
    );
  }
  const why = `socat is not installed (\`${SOCAT_INSTALL}\` to run them)`;
  (options.warn ?? console.warn)(`coldtrail: PTY serial tests skipped: ${why}`);
  return { available: false, reason: ` — SKIPPED: ${why}` };
}
