import { ColdtrailError, canonicalJson, ErrorCode } from '@coldtrail/core';
import type Database from 'better-sqlite3';
import { publicKeyFromCertificate, verifySignature } from './ecdsa.js';
import { parseEnvelope } from './envelope-schema.js';
import { checkFabricTx } from './fabric-envelope.js';
import {
  type BlockRow,
  type LedgerPaths,
  openLedgerDbReadonly,
  resolveLedgerPaths,
  type TxRow,
} from './ledger-db.js';
import { displayKey, type Version } from './ledger-records.js';
import { loadCreatorTrust } from './verify-creator.js';
import { LedgerCheck } from './verify-report.js';

/**
 * Read-only queries over the embedded ledger's own tables, for people looking at it (`coldtrail ledger
 * blocks | tx | history`): blocks with their transactions, one transaction in full, every version of a state
 * key. The database is opened read-only, as `ledger verify` opens it, and a writer may hold it meanwhile (WAL:
 * each listing reads one snapshot). Nothing is checked here beyond one transaction's signature and creator:
 * `ledger verify` is what proves the rows are the ledger's; these show what the rows say.
 *
 * Large ledgers are read a page at a time: a block listing and a key history are generators that fetch
 * PAGE rows per query, never the whole table.
 */
export interface LedgerBrowser {
  readonly paths: LedgerPaths;
  /** The last block's number; null for a ledger without blocks. */
  tipNumber(): number | null;
  /** Blocks `from`.. (ascending), at most `limit`, each with its transactions, from one snapshot. */
  blocks(range: { from: number; limit: number }): Generator<BlockView>;
  /** One transaction in full; undefined when the ledger has no transaction with this id. */
  tx(txId: string): Promise<TxView | undefined>;
  /** Every version of `key` (the raw state key), oldest first, from one snapshot. */
  history(key: string): Generator<KeyVersion>;
  /** Idempotent. */
  close(): void;
}

export interface BlockView {
  number: number;
  hash: string;
  prevHash: string;
  dataHash: string;
  timestamp: string;
  transactions: TxSummary[];
}

export interface TxSummary {
  txId: string;
  index: number;
  /** null when the stored envelope cannot be read (`ledger verify` says why). */
  fn: string | null;
  /** The creator's MSP id; null as for fn. */
  creator: string | null;
  validationCode: string;
}

/** A stored value shown readably: parsed when it is JSON, else its bytes in base64 (`encoding`). */
export type ShownValue = { value: unknown } | { value: string; encoding: 'base64' };

export interface TxView {
  txId: string;
  blockNumber: number;
  txIndex: number;
  validationCode: string;
  channel: string;
  fn: string;
  args: string[];
  timestamp: string;
  response: { status: number } & ShownValue;
  rwset: {
    reads: { key: string; version: Version | null }[];
    ranges: { start: string; end: string; reads: { key: string; version: Version | null }[] }[];
    writes: ({ key: string; isDelete: boolean } & ShownValue)[];
  };
  event: ({ name: string } & ShownValue) | null;
  creator: { mspid: string; certificate: string };
  /** As stored: hex r||s over canonical(payload); for a Fabric-format envelope its DER signature, hex. */
  signature: string;
  /** The signature verifies with the key of the certificate in the envelope. */
  signatureValid: boolean;
  /** The creator certificate is its org's, or issued by the org's CA (verify-creator.ts). */
  creatorTrusted: boolean;
}

export interface KeyVersion {
  blockNumber: number;
  txIndex: number;
  txId: string;
  /** The writing transaction's timestamp; null when its envelope cannot be read. */
  timestamp: string | null;
  /** null for a delete. */
  value: unknown;
  encoding?: 'base64';
  isDelete: boolean;
}

const PAGE = 200;

/** Parsed when the bytes are UTF-8 JSON (what the contract writes), else base64. */
export function showValue(bytes: Buffer): ShownValue {
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes)) {
    try {
      return { value: JSON.parse(text) };
    } catch {
      // not JSON
    }
  }
  return { value: bytes.toString('base64'), encoding: 'base64' };
}

/** What a block listing shows of an envelope it does not validate: fn and creator, when they are there. */
function summary(row: TxRow): TxSummary {
  let fn: string | null = null;
  let creator: string | null = null;
  try {
    const p = (JSON.parse(row.envelope) as { payload?: { fn?: unknown; creator?: { mspid?: unknown } } })
      .payload;
    if (typeof p?.fn === 'string') fn = p.fn;
    if (typeof p?.creator?.mspid === 'string') creator = p.creator.mspid;
  } catch {
    // shown as null
  }
  return { txId: row.tx_id, index: row.tx_index, fn, creator, validationCode: row.validation_code };
}

function timestampOf(envelope: string | null): string | null {
  if (envelope === null) return null;
  try {
    const t = (JSON.parse(envelope) as { payload?: { timestamp?: unknown } }).payload?.timestamp;
    return typeof t === 'string' ? t : null;
  } catch {
    return null;
  }
}

/** Runs `fn`'s generator inside one read transaction: every page comes from the same snapshot. */
function* inSnapshot<T>(db: Database.Database, pages: () => Generator<T>): Generator<T> {
  db.exec('BEGIN');
  try {
    yield* pages();
  } finally {
    db.exec('COMMIT');
  }
}

/** `pageSize`: rows per query of a listing (tests make it small to cross page boundaries). */
export function openLedgerBrowser(
  path: string,
  { pageSize = PAGE }: { pageSize?: number } = {},
): LedgerBrowser {
  const paths = resolveLedgerPaths(path);
  const db = openLedgerDbReadonly(paths);
  const tipStmt = db.prepare<[], number>('SELECT max(number) FROM blocks').pluck();
  const blockPage = db.prepare<[number, number], BlockRow>(
    'SELECT * FROM blocks WHERE number >= ? ORDER BY number LIMIT ?',
  );
  const txsOf = db.prepare<[number, number], TxRow>(
    'SELECT * FROM transactions WHERE block_number BETWEEN ? AND ? ORDER BY block_number, tx_index',
  );
  const txById = db.prepare<[string], TxRow>('SELECT * FROM transactions WHERE tx_id = ?');
  // A row-value bound is a range on the primary key (key, block_number, tx_index): each page is one index
  // seek (~0.5 ms for 200 rows of a 200,000-version key; written as `a > ? OR (a = ? AND b > ?)` it scanned
  // the key's history from its start on every page, ~130 ms).
  const historyPage = db.prepare<
    [Buffer, number, number, number],
    { block_number: number; tx_index: number; tx_id: string; value: Buffer | null; envelope: string | null }
  >(
    `SELECT h.block_number, h.tx_index, h.tx_id, h.value, t.envelope FROM history h
       LEFT JOIN transactions t ON t.tx_id = h.tx_id
     WHERE h.key = ? AND (h.block_number, h.tx_index) > (?, ?)
     ORDER BY h.block_number, h.tx_index LIMIT ?`,
  );
  let closed = false;
  const open = () => {
    if (closed) throw new ColdtrailError(ErrorCode.Unavailable, 'the ledger browser is closed');
  };

  return {
    paths,
    tipNumber() {
      open();
      return tipStmt.get() ?? null;
    },
    blocks({ from, limit }) {
      open();
      return inSnapshot(db, function* () {
        let next = from;
        let left = limit;
        while (left > 0) {
          const page = blockPage.all(next, Math.min(pageSize, left));
          const last = page.at(-1);
          if (!last) return;
          const txs = txsOf.all((page[0] as BlockRow).number, last.number);
          let t = 0;
          for (const b of page) {
            const transactions: TxSummary[] = [];
            while (t < txs.length && (txs[t] as TxRow).block_number < b.number) t++;
            while (t < txs.length && (txs[t] as TxRow).block_number === b.number) {
              transactions.push(summary(txs[t++] as TxRow));
            }
            yield {
              number: b.number,
              hash: b.hash,
              prevHash: b.prev_hash,
              dataHash: b.data_hash,
              timestamp: b.timestamp,
              transactions,
            };
          }
          left -= page.length;
          next = last.number + 1;
        }
      });
    },
    async tx(txId) {
      open();
      const row = txById.get(txId);
      if (!row) return undefined;
      const env = parseEnvelope(row.envelope);
      if (typeof env === 'string') {
        throw new ColdtrailError(
          ErrorCode.Corrupted,
          `transaction ${txId} in block ${row.block_number}: its stored envelope ${env}; run \`coldtrail ledger verify\``,
        );
      }
      const p = env.payload;
      let signatureValid = false;
      try {
        // A Fabric-format envelope is signed over its protobuf payload, checked as verify checks it.
        signatureValid = env.fabric
          ? !checkFabricTx(env.fabric, p).some((f) => f.check === LedgerCheck.TxSignature)
          : verifySignature(publicKeyFromCertificate(p.creator.certificate), canonicalJson(p), env.signature);
      } catch {
        signatureValid = false;
      }
      const trust = await loadCreatorTrust(paths.keysDir);
      const reads = (list: typeof p.rwset.reads) =>
        list.map((r) => ({ key: displayKey(r.key), version: r.version }));
      return {
        txId: row.tx_id,
        blockNumber: row.block_number,
        txIndex: row.tx_index,
        validationCode: row.validation_code,
        channel: p.channel,
        fn: p.fn,
        args: p.args,
        timestamp: p.timestamp,
        response: { status: p.response.status, ...showValue(Buffer.from(p.response.payload, 'base64')) },
        rwset: {
          reads: reads(p.rwset.reads),
          ranges: p.rwset.ranges.map((r) => ({
            start: displayKey(r.start),
            // A partial-key range ends at the prefix + U+10FFFF (fabric-shim's getStateByPartialCompositeKey).
            end: displayKey(r.end).replace(/\u{10FFFF}/gu, '\\u{10FFFF}'),
            reads: reads(r.reads),
          })),
          writes: p.rwset.writes.map((w) =>
            w.value === null
              ? { key: displayKey(w.key), isDelete: true, value: null }
              : { key: displayKey(w.key), isDelete: false, ...showValue(Buffer.from(w.value, 'base64')) },
          ),
        },
        event: p.event && { name: p.event.name, ...showValue(Buffer.from(p.event.payload, 'base64')) },
        creator: p.creator,
        signature: env.signature,
        signatureValid,
        creatorTrusted: trust.check(p.creator) === null,
      };
    },
    history(key) {
      open();
      const raw = Buffer.from(key, 'utf8');
      return inSnapshot(db, function* () {
        let after = { block: -1, tx: -1 };
        for (;;) {
          const page = historyPage.all(raw, after.block, after.tx, pageSize);
          for (const h of page) {
            const shown = h.value === null ? { value: null } : showValue(h.value);
            yield {
              blockNumber: h.block_number,
              txIndex: h.tx_index,
              txId: h.tx_id,
              timestamp: timestampOf(h.envelope),
              ...shown,
              isDelete: h.value === null,
            };
          }
          const last = page.at(-1);
          if (!last || page.length < pageSize) return;
          after = { block: last.block_number, tx: last.tx_index };
        }
      });
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/**
 * Fabric's composite key, as fabric-shim's createCompositeKey and the contract's state.ts build it:
 * U+0000, then the object type and each attribute, each followed by U+0000. Parts may not be empty or hold
 * U+0000 or U+10FFFF (fabric-shim refuses those too).
 */
export function compositeKey(objectType: string, attributes: readonly string[]): string {
  for (const part of [objectType, ...attributes]) {
    if (part === '' || part.includes('\u0000') || part.includes('\u{10FFFF}')) {
      throw new ColdtrailError(
        ErrorCode.InvalidInput,
        'a composite key part must be non-empty and hold no U+0000 or U+10FFFF',
      );
    }
  }
  return `\u0000${[objectType, ...attributes].map((p) => `${p}\u0000`).join('')}`;
}

/** `type/part/part` (as displayKey shows a composite key) to the composite key itself. */
export function parseReadableKey(text: string): string {
  const [type, ...parts] = text.split('/');
  if (!type || parts.some((p) => p === '')) {
    throw new ColdtrailError(
      ErrorCode.InvalidInput,
      `key "${text}" is not type/part/part (e.g. shipment/037612345000000014 or device/probe-1); pass --raw for a plain key`,
    );
  }
  return compositeKey(type, parts);
}
