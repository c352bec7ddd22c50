import { resolveDataDir } from '../data-dir.js';
import { type Interruption, manualInterruption } from '../demo/interruption.js';
import { startServer } from '../server/server.js';
import { serverLog } from '../server/server-log.js';

export interface ServerStartOptions {
  dataDir?: string;
  mqttPort?: number;
  host?: string;
  org?: string;
  json?: boolean;
}

export interface ServerStartDeps {
  /** SIGTERM/SIGINT (the CLI's entry binds it to the process); default: only through its controller. */
  interruption?: () => Interruption;
}

/**
 * `coldtrail server start`: runs the server side (ledger-sync + embedded ledger, broker + ingest, admin
 * socket) until SIGTERM or SIGINT, then stops gracefully and returns (exit 0). stdout carries one line: the
 * MQTT URL, or with --json `{"mqttUrl","dataDir","org","admin"}`, printed once everything accepts work;
 * the log goes to stderr as JSON lines. A second Ctrl-C while it stops quits at once (exit 130).
 */
export async function serverStart(opts: ServerStartOptions, deps: ServerStartDeps = {}): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  const log = serverLog('server');
  const interrupted = (deps.interruption ?? manualInterruption)();
  try {
    const server = await startServer({
      dataDir,
      ...(opts.mqttPort === undefined ? {} : { mqttPort: opts.mqttPort }),
      ...(opts.host === undefined ? {} : { host: opts.host }),
      ...(opts.org === undefined ? {} : { org: opts.org }),
    });
    const { mqttUrl, org, admin } = server;
    process.stdout.write(
      opts.json ? `${JSON.stringify({ mqttUrl, dataDir, org, admin })}\n` : `${mqttUrl}\n`,
    );
    try {
      await aborted(interrupted.signal);
      interrupted.allowQuit();
      log.info('stopping', { reason: 'signal' });
    } finally {
      await server.close();
    }
    log.info('stopped');
  } finally {
    interrupted.dispose();
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
