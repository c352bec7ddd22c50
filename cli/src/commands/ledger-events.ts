import {
  type EventSourceTarget,
  type LedgerEvent,
  openEventSource,
  readLedgerSelection,
  showValue,
} from '@coldtrail/ledger-sync';
import { existingLedgerSyncDir, resolveDataDir } from '../data-dir.js';
import type { Interruption } from '../demo/interruption.js';
import { Exit, ExitError } from '../exit-codes.js';
import { writeOut } from '../render/ledger-output.js';

export interface LedgerEventsOptions {
  dataDir?: string;
  /** First block to read when there is no checkpoint yet (default 0). */
  from?: string;
  /** Only events of this name. */
  name?: string;
  follow?: boolean;
  /** Keeps the position reached; a rerun resumes after the last event printed. */
  checkpoint?: string;
  json?: boolean;
}

export interface LedgerEventsDeps {
  /** The process's Ctrl-C, asked for only with --follow (main.ts's interruptHandling). */
  interruption?: () => Interruption;
  /** How often --follow looks for new blocks (default 300 ms). */
  pollMs?: number;
}

/**
 * `coldtrail ledger events`: the chaincode events of valid transactions, in commit order, one line each
 * (text) or one JSON object per line (--json, NDJSON: {"block","txId","name","payload"}, plus
 * "encoding":"base64" for a payload that is not JSON). Without --follow it ends at the tip the read began
 * with; with --follow it polls the read-only ledger for blocks the server commits, until SIGINT/SIGTERM
 * (exit 0). --checkpoint FILE is rewritten atomically after each event printed, and a rerun resumes after
 * it (the checkpoint wins over --from). Reads only: nothing but the checkpoint file is written.
 */
export async function ledgerEvents(opts: LedgerEventsOptions, deps: LedgerEventsDeps = {}): Promise<void> {
  const from = opts.from === undefined ? undefined : blockNumber(opts.from);
  if (opts.name !== undefined && opts.name.trim() === '') {
    throw new ExitError(Exit.Usage, '--name is empty: pass an event name, e.g. CustodyAccepted');
  }
  const source = await openEventSource(eventTarget(existingLedgerSyncDir(resolveDataDir(opts.dataDir))), {
    ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
  });
  const interruption = opts.follow ? deps.interruption?.() : undefined;
  try {
    await source.read({
      onEvent: (e) => writeOut(opts.json ? `${JSON.stringify(eventJson(e))}\n` : eventText(e)),
      ...(opts.name === undefined ? {} : { name: opts.name }),
      ...(from === undefined ? {} : { fromBlock: from }),
      ...(opts.checkpoint === undefined ? {} : { checkpointFile: opts.checkpoint }),
      follow: opts.follow === true,
      ...(interruption ? { signal: interruption.signal } : {}),
    });
  } finally {
    interruption?.dispose();
    await source.close();
  }
}

/**
 * The ledger whose events are read: the data dir's embedded ledger. (When the data dir records a Fabric
 * selection, this is where `{ kind: 'fabric', connectionFile }` is to be chosen from it.)
 */
/** The data dir's own ledger (ledger-selection.ts): its embedded files, or the Fabric gateway it records. */
function eventTarget(ledgerSyncDir: string): EventSourceTarget {
  const selection = readLedgerSelection(ledgerSyncDir);
  return selection.ledger === 'fabric'
    ? { kind: 'fabric', connectionFile: selection.fabricConnection }
    : { kind: 'embedded', dataDir: ledgerSyncDir };
}

function blockNumber(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new ExitError(Exit.Usage, `--from must be a block number, an integer >= 0 (got "${text}")`);
  }
  return n;
}

function eventJson(e: LedgerEvent): Record<string, unknown> {
  const shown = showValue(Buffer.from(e.payload));
  return { block: e.blockNumber, txId: e.txId, name: e.name, payload: shown.value, ...encoding(shown) };
}

function eventText(e: LedgerEvent): string {
  const shown = showValue(Buffer.from(e.payload));
  const payload = 'encoding' in shown ? `base64:${shown.value}` : JSON.stringify(shown.value);
  return `block ${e.blockNumber}  ${e.txId}  ${e.name}  ${payload}\n`;
}

const encoding = (shown: ReturnType<typeof showValue>) =>
  'encoding' in shown ? { encoding: shown.encoding } : {};
