import { createHash } from 'node:crypto';
import type { KeyRead, RangeRead, RwSet, TxPayload, Version } from './ledger-records.js';

/**
 * The ChaincodeStub the embedded ledger hands to fabric-shim's contract SPI: the calls a contract and
 * ClientIdentity make, with Fabric's semantics (fabric-shim lib/stub.js and the peer's transaction simulator):
 * reads come from committed state only (a transaction never sees its own writes), every read is recorded with
 * the version it saw, range reads are recorded for phantom detection, writes are collected (an empty value is
 * a delete), the last setEvent wins, composite keys are U+0000 separated under a U+0000 namespace.
 *
 * Paginated range queries follow the peer's rules (core/ledger/kvledger/txmgmt/txmgr/tx_simulator.go): they are
 * for read-only transactions only (a paginated query after a write, or a write after one, is refused), the
 * bookmark is the next key to start from ('' once the range is exhausted), and the range recorded for phantom
 * detection ends at the last key returned when the page is full, or at the query's end when it is not.
 * History queries (getHistoryForKey) read committed key history, newest first as in Fabric >= 2.0, and are
 * not part of the read set: they are not validated at commit, as on Fabric.
 */
export interface VersionedValue {
  value: Buffer;
  version: Version;
}

export interface StateReader {
  get(key: string): VersionedValue | undefined;
  /** Keys in [start, end) in bytewise order; end '' = unbounded. */
  range(start: string, end: string): Array<VersionedValue & { key: string }>;
  /** Committed modifications of `key`, newest first; absent: getHistoryForKey is unsupported. */
  history?(key: string): HistoryEntry[];
}

/** One committed write of a key, as the history database keeps it. */
export interface HistoryEntry {
  txId: string;
  /** null: the transaction deleted the key. */
  value: Buffer | null;
  /** The transaction's timestamp (the client's, signed into the proposal), epoch milliseconds. */
  timestampMs: number;
}

/** What fabric-shim's HistoryQueryIterator yields (ledger.queryresult.KeyModification, timestamp as toObject()). */
export interface KeyModification {
  txId: string;
  value: Buffer;
  isDelete: boolean;
  timestamp: { seconds: number; nanos: number };
}

export interface QueryResponseMetadata {
  fetchedRecordsCount: number;
  bookmark: string;
}

export interface StubInit {
  channel: string;
  txId: string;
  nonce: string;
  timestampMs: number;
  creator: TxPayload['creator'];
  fn: string;
  args: readonly string[];
  peerMspId: string;
  reader: StateReader;
}

const NS = '\u0000';
const SEP = '\u0000';
const MAX_RUNE = '\u{10ffff}';
const EMPTY_KEY_SUBSTITUTE = '\u0001';

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new Error('key must be a non-empty string');
  if (!(key as string & { isWellFormed(): boolean }).isWellFormed())
    throw new Error('key must be valid UTF-8');
}

function checkAttribute(attr: unknown): asserts attr is string {
  if (typeof attr !== 'string' || attr.includes(SEP) || attr.includes(MAX_RUNE)) {
    throw new Error('composite key parts must be strings without U+0000 or U+10FFFF');
  }
}

function unsupported(name: string): () => never {
  return () => {
    throw new Error(`${name} is not supported by the embedded ledger`);
  };
}

type Kv = { key: string; value: Buffer };

function iteratorOver<T>(rows: T[]) {
  let i = 0;
  return {
    next: async () =>
      i < rows.length ? { value: rows[i++] as T, done: false } : { value: undefined, done: true },
    close: async () => {},
  };
}

/** fabric-shim returns a promise of an iterator that is also async-iterable; contracts use either form. */
function queryIterator<T = Kv>(rows: T[]): Promise<unknown> & AsyncIterable<T> {
  const iterator = iteratorOver(rows);
  return Object.assign(Promise.resolve(iterator), {
    [Symbol.asyncIterator]: () => iterator as AsyncIterator<T>,
  });
}

/** A paginated query answers `{iterator, metadata}` and is async-iterable too (fabric-shim stub.js). */
function pageIterator(rows: Kv[], metadata: QueryResponseMetadata) {
  const iterator = iteratorOver(rows);
  return Object.assign(Promise.resolve({ iterator, metadata }), {
    [Symbol.asyncIterator]: () => iterator as AsyncIterator<Kv>,
  });
}

/** The smallest key after `key` in bytewise order: an exclusive end that includes `key` itself. */
function justAfter(key: string): string {
  return `${key}\u0000`;
}

function checkPageSize(pageSize: unknown): asserts pageSize is number {
  if (typeof pageSize !== 'number' || !Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new Error('pageSize must be an integer >= 1');
  }
}

export class SimulationStub {
  private readonly init: StubInit;
  private readonly reads = new Map<string, Version | null>();
  private readonly ranges: RangeRead[] = [];
  private readonly writes = new Map<string, Buffer | null>();
  private event: { name: string; payload: Buffer } | undefined;
  private paginated = false;

  constructor(init: StubInit) {
    this.init = init;
  }

  getArgs = (): string[] => [this.init.fn, ...this.init.args];
  getStringArgs = (): string[] => this.getArgs();
  getBufferArgs = (): Buffer[] => this.getArgs().map((a) => Buffer.from(a, 'utf8'));
  getFunctionAndParameters = () => ({ fcn: this.init.fn, params: [...this.init.args] });
  getTxID = (): string => this.init.txId;
  getChannelID = (): string => this.init.channel;
  getCreator = () => ({
    mspid: this.init.creator.mspid,
    idBytes: Buffer.from(this.init.creator.certificate),
  });
  getMspID = (): string => this.init.peerMspId;
  getTransient = () => new Map<string, Uint8Array>();
  getDateTimestamp = (): Date => new Date(this.init.timestampMs);
  getTxTimestamp = () => {
    const seconds = Math.floor(this.init.timestampMs / 1000);
    // A Long-shaped value, as a peer's stub returns.
    const long = { low: seconds | 0, high: Math.floor(seconds / 2 ** 32), unsigned: true };
    return {
      seconds: { ...long, toNumber: () => seconds, toString: () => String(seconds) },
      nanos: (this.init.timestampMs - seconds * 1000) * 1_000_000,
    };
  };
  getBinding = (): string =>
    createHash('sha256')
      .update(Buffer.from(this.init.nonce, 'hex'))
      .update(this.init.creator.certificate)
      .update(String(this.init.timestampMs))
      .digest('hex');

  getState = async (key: string): Promise<Buffer> => {
    checkKey(key);
    const found = this.init.reader.get(key);
    if (!this.reads.has(key)) this.reads.set(key, found ? found.version : null);
    return found ? Buffer.from(found.value) : Buffer.alloc(0);
  };

  putState = async (key: string, value: Uint8Array | string): Promise<void> => {
    checkKey(key);
    this.checkWritable();
    const bytes = Buffer.from(value as Uint8Array);
    this.writes.set(key, bytes.length === 0 ? null : bytes);
  };

  deleteState = async (key: string): Promise<void> => {
    checkKey(key);
    this.checkWritable();
    this.writes.set(key, null);
  };

  private rangeQuery(start: string, end: string): Promise<unknown> & AsyncIterable<Kv> {
    const rows = this.init.reader.range(start, end);
    this.ranges.push({ start, end, reads: rows.map((r) => ({ key: r.key, version: r.version })) });
    return queryIterator(rows.map((r) => ({ key: r.key, value: Buffer.from(r.value) })));
  }

  getStateByRange = (startKey: string, endKey: string) => {
    const start = startKey || EMPTY_KEY_SUBSTITUTE;
    const end = endKey || '';
    if (start.startsWith(NS) || end.startsWith(NS)) {
      throw new Error('use getStateByPartialCompositeKey for composite keys');
    }
    return this.rangeQuery(start, end);
  };

  /** Fabric's paginated range: [bookmark || start, end), at most pageSize keys. */
  private pagedQuery(start: string, end: string, pageSize: number, bookmark: string) {
    checkPageSize(pageSize);
    if (this.writes.size > 0) {
      throw new Error(
        `txid [${this.init.txId}]: unsupported transaction. Paginated queries are supported only in a read-only transaction`,
      );
    }
    this.paginated = true;
    const from = bookmark || start;
    // One more than the page tells whether a next page exists; that extra key is the bookmark (Fabric's
    // GetBookmarkAndClose peeks at it the same way) and is not part of what the transaction read.
    const all = this.init.reader.range(from, end);
    const rows = all.slice(0, pageSize);
    const full = rows.length === pageSize;
    const last = rows[rows.length - 1];
    this.ranges.push({
      start: from,
      end: full && last ? justAfter(last.key) : end,
      reads: rows.map((r) => ({ key: r.key, version: r.version })),
    });
    const next = all[pageSize];
    return pageIterator(
      rows.map((r) => ({ key: r.key, value: Buffer.from(r.value) })),
      { fetchedRecordsCount: rows.length, bookmark: next ? next.key : '' },
    );
  }

  getStateByRangeWithPagination = (startKey: string, endKey: string, pageSize: number, bookmark = '') => {
    const start = startKey || EMPTY_KEY_SUBSTITUTE;
    const end = endKey || '';
    if (start.startsWith(NS) || end.startsWith(NS)) {
      throw new Error('use getStateByPartialCompositeKeyWithPagination for composite keys');
    }
    return this.pagedQuery(start, end, pageSize, bookmark || '');
  };

  getStateByPartialCompositeKeyWithPagination = (
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark = '',
  ) => {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.pagedQuery(prefix, `${prefix}${MAX_RUNE}`, pageSize, bookmark || '');
  };

  /** Every committed version of `key`, newest first; not recorded in the read set (Fabric does not either). */
  getHistoryForKey = (key: string) => {
    checkKey(key);
    const history = this.init.reader.history;
    if (!history) throw new Error('getHistoryForKey is not supported by this state reader');
    const rows: KeyModification[] = history.call(this.init.reader, key).map((h) => {
      const seconds = Math.floor(h.timestampMs / 1000);
      return {
        txId: h.txId,
        value: h.value === null ? Buffer.alloc(0) : Buffer.from(h.value),
        isDelete: h.value === null,
        timestamp: { seconds, nanos: (h.timestampMs - seconds * 1000) * 1_000_000 },
      };
    });
    return queryIterator(rows);
  };

  createCompositeKey = (objectType: string, attributes: string[]): string => {
    checkAttribute(objectType);
    if (!Array.isArray(attributes)) throw new Error('attributes must be an array');
    for (const a of attributes) checkAttribute(a);
    return `${NS}${[objectType, ...attributes].map((p) => `${p}${SEP}`).join('')}`;
  };

  splitCompositeKey = (compositeKey: string) => {
    if (!compositeKey.startsWith(NS) || compositeKey.length < 2) return { objectType: null, attributes: [] };
    const parts = compositeKey.slice(1).split(SEP);
    parts.pop();
    return { objectType: parts[0] ?? null, attributes: parts.slice(1) };
  };

  getStateByPartialCompositeKey = (objectType: string, attributes: string[]) => {
    const prefix = this.createCompositeKey(objectType, attributes);
    return this.rangeQuery(prefix, `${prefix}${MAX_RUNE}`);
  };

  setEvent = (name: string, payload: Uint8Array): void => {
    if (typeof name !== 'string' || name === '') throw new Error('Event name must be a non-empty string');
    this.event = { name, payload: Buffer.from(payload ?? []) };
  };

  getQueryResult = unsupported('getQueryResult (rich queries need CouchDB)');
  getQueryResultWithPagination = unsupported('getQueryResultWithPagination');
  invokeChaincode = unsupported('invokeChaincode');
  getPrivateData = unsupported('private data');
  putPrivateData = unsupported('private data');
  getSignedProposal = unsupported('getSignedProposal');

  private checkWritable(): void {
    if (this.paginated) {
      throw new Error(
        `txid [${this.init.txId}]: unsupported transaction. Transaction has already performed a paginated query. Writes are not allowed`,
      );
    }
  }

  /** The read/write set, sorted by key as Fabric's rwset builder does. */
  rwset(): RwSet {
    const reads: KeyRead[] = [...this.reads]
      .sort(([a], [b]) => byteOrder(a, b))
      .map(([key, version]) => ({ key, version }));
    const writes = [...this.writes]
      .sort(([a], [b]) => byteOrder(a, b))
      .map(([key, value]) => ({ key, value: value === null ? null : value.toString('base64') }));
    return { reads, ranges: this.ranges, writes };
  }

  chaincodeEvent(): TxPayload['event'] {
    return this.event ? { name: this.event.name, payload: this.event.payload.toString('base64') } : null;
  }
}
