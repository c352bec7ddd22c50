import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ColdtrailError, ErrorCode } from '@coldtrail/core';

/**
 * Which ledger a data directory's records are on, kept beside them in `ledger.json` (in ledger-sync's
 * directory) so that every command reading the directory asks that ledger: `{"ledger":"fabric",
 * "fabricConnection":"/abs/connection.yaml"}`. No file means the embedded ledger (every data dir made before
 * the file existed). `server start` writes it, holding the data dir's lock; nothing else does.
 */
export const LEDGER_SELECTION_FILE = 'ledger.json';

export type LedgerSelection = { ledger: 'embedded' } | { ledger: 'fabric'; fabricConnection: string };

const EXAMPLE = '{"ledger":"fabric","fabricConnection":"/etc/coldtrail/connection.yaml"}';

export function ledgerSelectionFile(ledgerSyncDir: string): string {
  return join(ledgerSyncDir, LEDGER_SELECTION_FILE);
}

/** The recorded selection; a file that is there but not a selection is refused, never read as "embedded". */
export function readLedgerSelection(ledgerSyncDir: string): LedgerSelection {
  const file = ledgerSelectionFile(ledgerSyncDir);
  if (!existsSync(file)) return { ledger: 'embedded' };
  const bad = (why: string): never => {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `${file} ${why}; it records which ledger this data dir uses (written by coldtrail server start): fix it, e.g. ${EXAMPLE}`,
    );
  };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return bad(`is not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('is not a JSON object');
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'ledger' && k !== 'fabricConnection');
  if (extra.length > 0) return bad(`has unknown keys ${extra.join(', ')}`);
  if (o.ledger === 'embedded' && o.fabricConnection === undefined) return { ledger: 'embedded' };
  if (o.ledger !== 'fabric') return bad('names no ledger: "ledger" must be "embedded" or "fabric"');
  const conn = o.fabricConnection;
  if (typeof conn !== 'string' || !isAbsolute(conn)) {
    return bad('needs "fabricConnection": the absolute path of the Fabric connection file');
  }
  return { ledger: 'fabric', fabricConnection: conn };
}

/**
 * Records what `server start` runs on, or refuses a switch that would leave records behind: the embedded
 * ledger asked for on a Fabric data dir, or Fabric asked for where an embedded ledger already holds blocks.
 * A Fabric data dir may be pointed at a new connection file (a moved or renewed one). Atomic: temp + rename.
 */
export function recordLedgerSelection(ledgerSyncDir: string, wanted: LedgerSelection): void {
  if (checkLedgerSwitch(ledgerSyncDir, wanted)) writeSelection(ledgerSyncDir, wanted);
}

/** Refuses a switch that would leave records behind; true when `wanted` still has to be written. */
function checkLedgerSwitch(ledgerSyncDir: string, wanted: LedgerSelection): boolean {
  const file = ledgerSelectionFile(ledgerSyncDir);
  const current = readLedgerSelection(ledgerSyncDir);
  if (wanted.ledger === 'embedded') {
    if (current.ledger === 'fabric') {
      throw new ColdtrailError(
        ErrorCode.InvalidConfig,
        `this data dir's ledger is Fabric (${file}): start it with --ledger fabric --fabric-connection FILE, or use another --data-dir for the embedded ledger`,
      );
    }
    return false;
  }
  if (current.ledger === 'fabric' && current.fabricConnection === wanted.fabricConnection) return false;
  const embedded = join(ledgerSyncDir, 'ledger.sqlite'); // the embedded ledger's default file (ledger-db.ts)
  if (current.ledger === 'embedded' && existsSync(embedded)) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `this data dir's records are on its embedded ledger (${embedded}); they would be left behind on Fabric: use another --data-dir for Fabric`,
    );
  }
  return true;
}

/** temp + fsync + rename + fsync of the directory: the file is the old one or the new one after a crash. */
function writeSelection(ledgerSyncDir: string, wanted: LedgerSelection): void {
  const file = ledgerSelectionFile(ledgerSyncDir);
  mkdirSync(ledgerSyncDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(wanted)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(ledgerSyncDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * For what reads the embedded ledger's files (ledger verify, blocks, tx, history, events, custody show): on a
 * Fabric data dir there are none, and "missing" would wrongly read as a lost ledger (ledger-db.ts).
 */
export function refuseOnFabric(ledgerSyncDir: string, what: string): void {
  const selection = readLedgerSelection(ledgerSyncDir);
  if (selection.ledger !== 'fabric') return;
  throw new ColdtrailError(
    ErrorCode.InvalidInput,
    `${what} reads the embedded ledger's blocks, but this data dir's ledger is Fabric (${ledgerSelectionFile(ledgerSyncDir)}): ` +
      'its blocks are held and validated by the peers (use the peer CLI, e.g. `peer channel fetch`); ' +
      '`coldtrail provenance`, `shipment list`, `reading prove` and `ledger events --follow` read it through the gateway',
  );
}

/**
 * The ledger `server start` runs on: without --ledger, the data dir's own (recorded, else embedded); with it,
 * the one asked for, or a refusal (checkLedgerSwitch). `record()` writes a new choice down: call it once the
 * ledger answered (a first start whose gateway never answers leaves the data dir as it was), holding the
 * data dir's lock.
 */
export function selectServerLedger(
  ledgerSyncDir: string,
  ledger: 'embedded' | 'fabric' | undefined,
  fabricConnection: string | undefined,
): { selection: LedgerSelection; record(): void } {
  if (ledger === undefined) return { selection: readLedgerSelection(ledgerSyncDir), record: () => {} };
  let wanted: LedgerSelection = { ledger: 'embedded' };
  if (ledger === 'fabric') {
    if (fabricConnection === undefined || !isAbsolute(fabricConnection)) {
      throw new ColdtrailError(
        ErrorCode.InvalidConfig,
        'the Fabric ledger needs the absolute path of its connection file',
      );
    }
    wanted = { ledger: 'fabric', fabricConnection };
  }
  const write = checkLedgerSwitch(ledgerSyncDir, wanted);
  return { selection: wanted, record: () => write && writeSelection(ledgerSyncDir, wanted) };
}
