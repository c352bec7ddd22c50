import { resolve } from 'node:path';
import { resolveDataDir } from '../data-dir.js';
import { type Interruption, manualInterruption } from '../demo/interruption.js';
import { Exit, ExitError } from '../exit-codes.js';
import { type ServerOptions, startServer } from '../server/server.js';
import { serverLog } from '../server/server-log.js';

export interface ServerStartOptions {
  dataDir?: string;
  mqttPort?: number;
  host?: string;
  org?: string;
  /** `embedded` (default) or `fabric`. */
  ledger?: string;
  /** Fabric connection file (relative to the current directory); implies --ledger fabric. */
  fabricConnection?: string;
  json?: boolean;
}

export interface ServerStartDeps {
  /** SIGTERM/SIGINT (the CLI's entry binds it to the process); default: only through its controller. */
  interruption?: () => Interruption;
}

/**
 * `coldtrail server start`: runs the server side (ledger-sync + embedded ledger or, with --ledger fabric, a
 * Fabric network; broker + ingest; admin socket) until SIGTERM or SIGINT, then stops gracefully and returns (exit 0). stdout carries one line: the
 * MQTT URL, or with --json `{"mqttUrl","dataDir","org","admin"}`, printed once everything accepts work;
 * the log goes to stderr as JSON lines. A second Ctrl-C while it stops quits at once (exit 130).
 */
export async function serverStart(opts: ServerStartOptions, deps: ServerStartDeps = {}): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  const ledger = ledgerChoice(opts);
  const log = serverLog('server');
  const interrupted = (deps.interruption ?? manualInterruption)();
  try {
    const server = await startServer({
      dataDir,
      ...(opts.mqttPort === undefined ? {} : { mqttPort: opts.mqttPort }),
      ...(opts.host === undefined ? {} : { host: opts.host }),
      ...(opts.org === undefined ? {} : { org: opts.org }),
      ...ledger,
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

/** --ledger and --fabric-connection: Fabric needs the connection file, the embedded ledger takes none. */
function ledgerChoice(opts: ServerStartOptions): Pick<ServerOptions, 'ledger' | 'fabricConnection'> {
  const ledger = opts.ledger ?? (opts.fabricConnection === undefined ? 'embedded' : 'fabric');
  if (ledger === 'embedded') {
    if (opts.fabricConnection !== undefined) {
      throw new ExitError(Exit.Usage, '--fabric-connection goes with --ledger fabric, not --ledger embedded');
    }
    // Not given: the data dir's own ledger (recorded by the first start on Fabric, else embedded).
    return opts.ledger === undefined ? {} : { ledger };
  }
  if (ledger !== 'fabric') {
    throw new ExitError(Exit.Usage, `--ledger "${ledger}": use embedded (the default) or fabric`);
  }
  if (opts.fabricConnection === undefined) {
    throw new ExitError(
      Exit.Usage,
      '--ledger fabric needs --fabric-connection FILE (a connection file like deploy/fabric/connection.example.yaml)',
    );
  }
  return { ledger, fabricConnection: resolve(opts.fabricConnection) };
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
