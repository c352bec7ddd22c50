// Readings chained, signed and durably stored per second by the agent's Outbox, beside the ceiling: raw
// better-sqlite3 inserts of the very same rows (same table shape, same WAL + synchronous=FULL pragmas, same
// transaction size) in the same run. Target (issue 2, item 8): the Outbox reaches at least half the ceiling.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeEd25519Signer, OUTBOX_PRAGMAS, Outbox } from '@coldtrail/agent';
import Database from 'better-sqlite3';

const DEVICE = 'bench-device';
const T0 = Date.UTC(2026, 0, 1);

/** One polling cycle's worth of samples, `n` of them, alternating temperature and humidity. */
function samples(n, cycle) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(
      i % 2 === 0
        ? { sensor: 'probe-1', kind: 'temperature', value: 2 + ((cycle + i) % 60) / 10, unit: 'CEL' }
        : { sensor: 'probe-1', kind: 'humidity', value: 40 + ((cycle + i) % 200) / 10, unit: 'P1' },
    );
  }
  return out;
}

function withTempDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'coldtrail-bench-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The agent path: makeRecord + RFC 8785 + SHA-256 chain + insert per record; a signed batch every `batch`. */
export async function runOutbox({ records, txSize, batch }) {
  const signer = nodeEd25519Signer(generateKeyPairSync('ed25519').privateKey);
  const dir = mkdtempSync(join(tmpdir(), 'coldtrail-bench-'));
  try {
    const outbox = Outbox.open(join(dir, 'outbox.sqlite'), { device: DEVICE });
    const settings = outbox.settings();
    // Inputs are made before the clock starts, as the ceiling's rows are: only the Outbox's work is timed.
    const cycles = Array.from({ length: Math.ceil(records / txSize) }, (_, cycle) => samples(txSize, cycle));
    const start = process.hrtime.bigint();
    for (let cycle = 0; cycle < cycles.length; cycle++) {
      const ts = T0 + cycle * 1000;
      outbox.append(cycles[cycle], ts);
      if (outbox.unbatched().count >= batch) await outbox.createBatch(batch, signer, ts);
    }
    while (await outbox.createBatch(batch, signer, T0)) {}
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rows = rawRows(outbox, records); // the ceiling inserts exactly these
    outbox.close();
    return { perSecond: records / seconds, settings, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows exactly as the Outbox stored them, for the ceiling to insert. */
function rawRows(outbox, records) {
  const db = new Database(outbox.path, { readonly: true });
  try {
    return db
      .prepare('SELECT seq, ts_ms, hash, body FROM records WHERE seq <= ? ORDER BY seq')
      .raw()
      .all(records);
  } finally {
    db.close();
  }
}

/** The ceiling: the same rows, prepared statement, transactions of `txSize`, same durability pragmas. */
export function runCeiling({ txSize }, rows) {
  return withTempDir((dir) => {
    const db = new Database(join(dir, 'raw.sqlite'));
    try {
      for (const p of OUTBOX_PRAGMAS) db.pragma(p);
      db.exec(
        'CREATE TABLE records (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)',
      );
      const insert = db.prepare('INSERT INTO records (seq, ts_ms, hash, body) VALUES (?, ?, ?, ?)');
      const tx = db.transaction((chunk) => {
        for (const r of chunk) insert.run(r[0], r[1], r[2], r[3]);
      });
      const settings = {
        journalMode: db.pragma('journal_mode', { simple: true }),
        synchronous: ['off', 'normal', 'full', 'extra'][db.pragma('synchronous', { simple: true })],
      };
      const start = process.hrtime.bigint();
      for (let i = 0; i < rows.length; i += txSize) tx(rows.slice(i, i + txSize));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      return { perSecond: rows.length / seconds, settings };
    } finally {
      db.close();
    }
  });
}
