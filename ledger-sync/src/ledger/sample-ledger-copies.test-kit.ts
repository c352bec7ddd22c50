import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSscc } from '@coldtrail/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { buildSampleLedger } from './sample-ledger.test-kit.js';

/** Copies of the sample ledger (sample-ledger.test-kit.ts) for tests that tamper with one at rest. */
export interface SampleLedgerCopies {
  /** A scratch directory of the test file, removed after its tests. */
  readonly root: string;
  /** The untouched sample ledger, built once per test file. */
  readonly pristine: string;
  /** The current test's own copy of it. */
  readonly copy: string;
  /** Runs one SQL statement on the current copy's database. */
  sql(statement: string, ...params: unknown[]): void;
  /** The hash of block `number` in the untouched ledger. */
  blockHashAt(number: number): string;
  /** Starts the current copy over from the untouched ledger, for a second tampering in one test. */
  restore(): Promise<void>;
}

/** The state key of probe-1's anchor that starts at `fromSeq`. */
export const anchorKey = (fromSeq: number) =>
  Buffer.from(`\u0000anchor\u0000probe-1\u0000${String(fromSeq).padStart(16, '0')}\u0000`);

/**
 * Registers the hooks of a test file: one sample ledger is built once (blocks 0..4, one transaction each),
 * and every test tampers with its own copy of the files at rest.
 */
export function sampleLedgerCopies(): SampleLedgerCopies {
  let root = '';
  let pristine = '';
  let copy = '';
  let n = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'coldtrail-verify-'));
    pristine = join(root, 'pristine');
    await buildSampleLedger(pristine, makeSscc(0, '3761234', 7));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    copy = join(root, `copy-${++n}`);
    await cp(pristine, copy, { recursive: true });
  });
  return {
    get root() {
      return root;
    },
    get pristine() {
      return pristine;
    },
    get copy() {
      return copy;
    },
    sql(statement, ...params) {
      const db = new Database(join(copy, 'ledger.sqlite'));
      db.prepare(statement).run(...params);
      db.close();
    },
    blockHashAt(number) {
      const db = new Database(join(pristine, 'ledger.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT hash FROM blocks WHERE number = ?').pluck().get(number) as string;
      } finally {
        db.close();
      }
    },
    async restore() {
      await rm(copy, { recursive: true });
      await cp(pristine, copy, { recursive: true });
    },
  };
}
