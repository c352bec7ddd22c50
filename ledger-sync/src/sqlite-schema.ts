/**
 * Reading store schema (SQLite). A record is kept as its fields only — no serialized copy — so whatever is
 * reported is exactly what is re-hashed during verification. `hash` is the hash computed at ingest, kept to
 * tell "this row changed" apart from "the chain is broken here".
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS readings (
  device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  v INTEGER NOT NULL,
  ts TEXT NOT NULL,
  sensor TEXT NOT NULL,
  kind TEXT NOT NULL,
  value REAL,
  unit TEXT,
  fault TEXT,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (device, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS batches (
  device TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  prev TEXT NOT NULL,
  head TEXT NOT NULL,
  sig TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (device, from_seq, to_seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS heads (
  device TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS refusals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refusals_by_device ON refusals (device, id);

CREATE TABLE IF NOT EXISTS anchors (
  device TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  root TEXT NOT NULL,
  tx_id TEXT NOT NULL,
  anchored_at TEXT NOT NULL,
  PRIMARY KEY (device, from_seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS evaluations (
  sscc TEXT PRIMARY KEY,
  device TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  excursions INTEGER NOT NULL,
  evaluated_at TEXT NOT NULL
) WITHOUT ROWID;
`;
