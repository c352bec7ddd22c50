import { ColdtrailError, ErrorCode } from '@coldtrail/core';
import type { Database } from 'better-sqlite3';

/** Schema version in `PRAGMA user_version`; bump with a migration. */
export const OUTBOX_SCHEMA_VERSION = 1;

/**
 * Durability contract (DESIGN.md §2.4: a record is durable before it is published; power can fail at any
 * instant):
 * - journal_mode=WAL: readers never block the writer, and a commit is one sequential append to the -wal file.
 * - synchronous=FULL: the WAL is fsynced at every commit. With NORMAL (the usual WAL pairing) the WAL is synced
 *   only at checkpoints, so the last transactions "might roll back following a power loss or system crash"
 *   (https://www.sqlite.org/pragma.html#pragma_synchronous). Such a record could already be published and
 *   acknowledged; after the reboot the agent would reuse its seq for a different reading and fork the chain.
 *   FULL makes every committed append survive power loss; it costs one fsync per transaction, which is why
 *   samples of one polling cycle are appended in one transaction.
 * - fullfsync=ON: on macOS fsync() does not flush the drive's cache; F_FULLFSYNC does. A no-op elsewhere.
 * Every state change is one transaction; a crash between any two leaves a consistent store: records without a
 * batch are batched again, a batch not yet acknowledged is sent again (the ingest drops duplicates by seq).
 */
export const OUTBOX_PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = FULL',
  'fullfsync = ON',
  'busy_timeout = 5000',
];

/**
 * - `chain`: one row. `head_*` is saved before old records are deleted, so the chain head survives them (the
 *   live head is the last record: no extra page written per append). `batched_up_to`: every record up to
 *   it belongs to a batch (batches cover consecutive seq ranges, so "unbatched" is `seq > batched_up_to`);
 *   `stored_up_to`: the ingest's end-to-end watermark (records up to it are stored durably upstream).
 * - `records`: `body` is the record's RFC 8785 canonical JSON, exactly the bytes its `hash` covers.
 * - `batches`: queued (signed, not yet acknowledged by PUBACK) -> sent (PUBACK) -> acked (watermark covers it)
 *   | refused (ingest said no: kept forever, never resent automatically).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS chain (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  device TEXT NOT NULL,
  head_seq INTEGER NOT NULL,
  head_hash TEXT NOT NULL,
  batched_up_to INTEGER NOT NULL,
  stored_up_to INTEGER NOT NULL,
  CHECK (stored_up_to <= batched_up_to)
);
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  hash TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
  from_seq INTEGER PRIMARY KEY,
  to_seq INTEGER NOT NULL,
  head TEXT NOT NULL,
  sig TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'acked', 'refused')),
  created_ms INTEGER NOT NULL,
  refusal TEXT,
  CHECK (to_seq >= from_seq)
);
CREATE INDEX IF NOT EXISTS batches_state ON batches (state, from_seq);
`;

/** Applies pragmas and schema; refuses a file that is not an outbox or is from a newer version. */
export function prepareOutboxDatabase(db: Database, path: string): void {
  try {
    for (const p of OUTBOX_PRAGMAS) db.pragma(p);
  } catch (cause) {
    throw new ColdtrailError(
      ErrorCode.Corrupted,
      `${path} is not an SQLite database (${(cause as Error).message}); move it away to start a new outbox`,
      { cause },
    );
  }
  const mode = db.pragma('journal_mode', { simple: true });
  if (mode !== 'wal') {
    throw new ColdtrailError(
      ErrorCode.Unavailable,
      `the outbox needs WAL journaling but ${path} runs in "${String(mode)}" mode; put the data directory ` +
        'on a local filesystem that supports shared memory (not a network share)',
    );
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > OUTBOX_SCHEMA_VERSION) {
    throw new ColdtrailError(
      ErrorCode.InvalidConfig,
      `${path} has outbox schema ${version}, newer than this agent's ${OUTBOX_SCHEMA_VERSION}; upgrade the agent`,
    );
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION}`);
}
