/**
 * Setup shared by the ledger blocks, tx and history tests: a sample ledger (blocks 0..4, one transaction each)
 * in a temp dir of its own per test file, stdout and stderr captured, and plain SQL on the stored ledger.
 * Not compiled into the package (see tsconfig exclude).
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { buildSampleLedger } from '../../../ledger-sync/src/ledger/sample-ledger.test-kit.js';
import { ledgerSyncDir } from '../data-dir.js';

/**
 * Registers the calling file's hooks: the sample ledger for shipment `sscc` is built under `root`/data before
 * its tests, `root` is removed after them, mocks are restored and `out` emptied after each test.
 */
export function sampleLedgerPerFile(name: string, sscc: string) {
  const root = mkdtempSync(join(tmpdir(), `coldtrail-${name}-`));
  const dataDir = join(root, 'data');
  const out: string[] = [];
  beforeAll(async () => {
    await buildSampleLedger(ledgerSyncDir(dataDir), sscc);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
  });
  /** Sends what the command writes to stdout and stderr into `out` until the test ends. */
  const capture = (): void => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  };
  /** What was captured so far, parsed as one JSON document, and taken out of `out`. */
  const json = () => JSON.parse(out.splice(0).join(''));
  return { root, dataDir, out, capture, json };
}

/** Runs `fn` on a plain connection to the ledger of data dir `dir`, then closes it. */
export function sql<T>(dir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(ledgerSyncDir(dir), 'ledger.sqlite'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
