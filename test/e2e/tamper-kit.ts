import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { cutLedgerTail, cutReadingsTail, withDb } from './data-dir-kit.js';

/**
 * A reproducible random sample of edits at rest over every table of both databases of a data directory:
 * single edits (one value of one row) and consistent truncations (the tail of a table with whatever keeps the
 * database self-consistent). Used to check that `provenance` detects each one, or gives the very same answer.
 */
export const TABLES = {
  'readings.db': {
    readings: ['device', 'seq'],
    batches: ['device', 'from_seq', 'to_seq'],
    heads: ['device'],
    refusals: ['id'],
    anchors: ['device', 'from_seq'],
    evaluations: ['sscc'],
  },
  'ledger.sqlite': {
    blocks: ['number'],
    transactions: ['tx_id'],
    state: ['key'],
    history: ['key', 'block_number', 'tx_index'],
  },
} as const;

export type DbFile = keyof typeof TABLES;

export interface Mutation {
  file: DbFile;
  table: string;
  /** `edit <column>` or `truncate`. */
  what: string;
  detail: string;
}

export { prng } from '../seeded-random.js';

const HEX = '0123456789abcdef';

/** A different value of the same kind: a digit for a digit, a hex digit for a hex digit, a byte for a byte. */
function changed(value: unknown, rnd: () => number): unknown {
  if (value === null) return 1;
  if (typeof value === 'number')
    return Number.isInteger(value) ? value + 1 : Math.round((value + 0.1) * 100) / 100;
  if (typeof value === 'bigint') return value + 1n;
  const bytes = Buffer.isBuffer(value) ? Buffer.from(value) : Buffer.from(String(value), 'utf8');
  // Prefer a hex digit or decimal digit inside the value (keeps JSON, timestamps and hashes well-formed).
  const candidates = [...bytes.keys()].filter((i) => HEX.includes(String.fromCharCode(bytes[i] as number)));
  const i =
    candidates.length > 0
      ? (candidates[Math.floor(rnd() * candidates.length)] as number)
      : Math.floor(rnd() * bytes.length);
  const c = String.fromCharCode(bytes[i] as number);
  bytes[i] = HEX.includes(c)
    ? HEX.charCodeAt((HEX.indexOf(c) + 1 + Math.floor(rnd() * 9)) % (/\d/.test(c) ? 10 : 16))
    : (bytes[i] as number) ^ 0x01;
  return Buffer.isBuffer(value) ? bytes : bytes.toString('utf8');
}

/** One random value of one random row changes. Undefined when the table is empty. */
export function editOne(dir: string, file: DbFile, table: string, rnd: () => number): Mutation | undefined {
  const pk = (TABLES[file] as Record<string, readonly string[]>)[table] as readonly string[];
  return withDb(join(dir, 'ledger-sync', file), (db) => {
    const rows = db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
    if (rows.length === 0) return undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      const row = rows[Math.floor(rnd() * rows.length)] as Record<string, unknown>;
      const columns = Object.keys(row);
      const column = columns[Math.floor(rnd() * columns.length)] as string;
      const next = changed(row[column], rnd);
      try {
        const where = pk.map((k) => `${k} = @pk_${k}`).join(' AND ');
        const params: Record<string, unknown> = { value: next };
        for (const k of pk) params[`pk_${k}`] = row[k];
        const n = db.prepare(`UPDATE ${table} SET ${column} = @value WHERE ${where}`).run(params).changes;
        if (n === 1) {
          return {
            file,
            table,
            what: `edit ${column}`,
            detail: `${describe(row[column])} -> ${describe(next)}`,
          };
        }
      } catch {
        // a constraint (e.g. a primary key that would collide): try another row or column
      }
    }
    return undefined;
  });
}

function describe(v: unknown): string {
  const s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** The table's tail goes, with what keeps the database consistent (see each case). Undefined when empty. */
export function truncate(dir: string, file: DbFile, table: string, device: string): Mutation | undefined {
  const path = join(dir, 'ledger-sync', file);
  const m = (detail: string): Mutation => ({ file, table, what: 'truncate', detail });
  switch (table) {
    case 'readings': {
      const max = withDb(
        path,
        (db) => (db.prepare('SELECT MAX(seq) AS n FROM readings').get() as { n: number }).n,
      );
      cutReadingsTail(path, device, max - 9);
      return m(`the last 10 readings, their batches, and the head row moved back`);
    }
    case 'blocks': {
      const tip = withDb(
        path,
        (db) => (db.prepare('SELECT MAX(number) AS n FROM blocks').get() as { n: number }).n,
      );
      cutLedgerTail(path, tip - 2);
      return m('the last 2 blocks with their transactions and history, state rebuilt');
    }
    case 'state':
      withDb(path, (db: Database.Database) =>
        db.exec(
          "DELETE FROM state WHERE key = (SELECT key FROM state WHERE instr(key, 'excursion') > 0 LIMIT 1)",
        ),
      );
      return m('an excursion entry of the world state');
    default: {
      const pk = (TABLES[file] as Record<string, readonly string[]>)[table] as readonly string[];
      const cols = pk.join(', ');
      const order = pk.map((k) => `${k} DESC`).join(', ');
      const sql = `DELETE FROM ${table} WHERE (${cols}) = (SELECT ${cols} FROM ${table} ORDER BY ${order} LIMIT 1)`;
      const n = withDb(path, (db) => db.prepare(sql).run().changes);
      return n === 1 ? m('its last row') : undefined;
    }
  }
}
