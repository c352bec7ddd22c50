/**
 * A minimal in-memory peer for the contract tests: the compiled contract (dist/, so decorator metadata is
 * there) runs through fabric-shim's real contract SPI (routing, parameter marshalling, ClientIdentity on an
 * X.509 certificate). Reads see committed state only, as on a peer; writes apply when the transaction
 * succeeds. Reading a key the transaction already wrote fails the test, enforcing the determinism rule.
 * Committed writes are kept as key history (getHistoryForKey, newest first as on Fabric >= 2.0); paginated
 * range queries follow the peer (bookmark = next key, read-only transactions only). A caller is an MSP id
 * (with the fixed certificate below) or `{ org, certificate }` for a certificate carrying attributes.
 * Not compiled into the package (see tsconfig exclude).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Any well-formed certificate does: ClientIdentity parses it, the MSP id comes beside it.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBdDCCARmgAwIBAgIBATAKBggqhkjOPQQDAjA5MR4wHAYDVQQDExVjaGFpbmNv
ZGUtdGVzdC1jbGllbnQxFzAVBgNVBAoTDmNvbGR0cmFpbCB0ZXN0MCAXDTI0MDEw
MTAwMDAwMFoYDzIxMjQwMTAxMDAwMDAwWjA5MR4wHAYDVQQDExVjaGFpbmNvZGUt
dGVzdC1jbGllbnQxFzAVBgNVBAoTDmNvbGR0cmFpbCB0ZXN0MFkwEwYHKoZIzj0C
AQYIKoZIzj0DAQcDQgAE00VlruJKASwf/PW4yttSi1w3W3AVWLOgnXnBww9SA5IR
4jLZAtruF27buUL70uMJFevofc4miNbqQnYW2cgy7aMQMA4wDAYDVR0TAQH/BAIw
ADAKBggqhkjOPQQDAgNJADBGAiEAnG+TRHezep8d21Ao3xFtWQmHSctUbpjq78Dz
3MoaMl0CIQDJK1Cch2QHKWALKoBoHSAgncgTRWkDo63AVXY+21wZUg==
-----END CERTIFICATE-----
`;

export interface InvokeResult {
  status: number;
  txId: string;
  /** Parsed JSON payload on success. */
  value: unknown;
  message: string;
  event: { name: string; payload: unknown } | undefined;
  writes: string[];
}

/** An MSP id (the fixed test certificate) or an org with its own certificate (e.g. one with attributes). */
export type Caller = string | { org: string; certificate: string };

/** One committed write of a key; value undefined for a delete. */
export interface HistoryRecord {
  txId: string;
  value: Buffer | undefined;
  millis: number;
}

interface ChaincodeLike {
  Invoke(stub: unknown): Promise<{ status: number; payload?: Buffer; message?: string }>;
}

function iteratorOf<T>(rows: T[]) {
  let i = 0;
  return {
    next: async () =>
      i < rows.length ? { value: rows[i++] as T, done: false } : { value: undefined, done: true },
    close: async () => {},
  };
}

export class MemoryPeer {
  readonly state = new Map<string, Buffer>();
  /** Every committed write per key, oldest first. */
  readonly history = new Map<string, HistoryRecord[]>();
  /** Transaction time; each invoke advances it by one second. */
  time = Date.parse('2025-03-01T08:00:00.000Z');
  private readonly chaincode: ChaincodeLike;
  private n = 0;

  private constructor(chaincode: ChaincodeLike) {
    this.chaincode = chaincode;
  }

  static async create(): Promise<MemoryPeer> {
    // Silence the SPI's winston loggers: the level is read from the peer's variable whenever a logger is made.
    process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
    const { contracts } = await import('@coldtrail/chaincode');
    const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract');
    const { JSONSerializer } = require('fabric-contract-api');
    const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
    return new MemoryPeer(new ChaincodeFromContract([...contracts], serializers, {}, 'coldtrail', 'test'));
  }

  async invoke(who: Caller, fn: string, ...args: string[]): Promise<InvokeResult> {
    const org = typeof who === 'string' ? who : who.org;
    const cert = typeof who === 'string' ? CERT : who.certificate;
    this.time += 1000;
    const txId = `tx${++this.n}`;
    const writes = new Map<string, Buffer | undefined>();
    let event: InvokeResult['event'];
    const state = this.state;
    const millis = this.time;
    const read = (key: string): Buffer | undefined => {
      if (writes.has(key)) throw new Error(`transaction read its own write of ${JSON.stringify(key)}`);
      return state.get(key);
    };
    let paginated = false;
    const write = (key: string, value: Buffer | undefined) => {
      if (paginated)
        throw new Error('Transaction has already performed a paginated query. Writes are not allowed');
      writes.set(key, value);
    };
    const keysIn = (start: string, end: string) =>
      [...state.keys()].filter((k) => k >= start && k < end).sort();
    const paged = (start: string, end: string, pageSize: number, bookmark: string) => {
      if (writes.size > 0) throw new Error('Paginated queries are supported only in a read-only transaction');
      if (!Number.isSafeInteger(pageSize) || pageSize < 1)
        throw new Error('pageSize must be an integer >= 1');
      paginated = true;
      const all = keysIn(bookmark || start, end);
      const kvs = all.slice(0, pageSize).map((k) => ({ key: k, value: read(k) as Buffer }));
      const iterator = iteratorOf(kvs);
      const metadata = { fetchedRecordsCount: kvs.length, bookmark: all[pageSize] ?? '' };
      return Object.assign(Promise.resolve({ iterator, metadata }), {
        [Symbol.asyncIterator]: () => iteratorOf(kvs),
      });
    };
    const range = (start: string, end: string) => {
      const kvs = keysIn(start, end).map((k) => ({ key: k, value: read(k) as Buffer }));
      const p = Promise.resolve({
        next: async () => {
          const v = kvs.shift();
          return v ? { value: v, done: false } : { value: undefined, done: true };
        },
        close: async () => {},
      });
      return Object.assign(p, {
        [Symbol.asyncIterator]: () => {
          let i = 0;
          return { next: async () => (i < kvs.length ? { value: kvs[i++], done: false } : { done: true }) };
        },
      });
    };
    const composite = (type: string, attrs: string[]) => `\u0000${[type, ...attrs].join('\u0000')}\u0000`;
    const stub = {
      getBufferArgs: () => [fn, ...args].map((a) => Buffer.from(a)),
      getArgs: () => [fn, ...args],
      getFunctionAndParameters: () => ({ fcn: fn, params: args }),
      getTxID: () => txId,
      getChannelID: () => 'test',
      getCreator: () => ({ mspid: org, idBytes: Buffer.from(cert) }),
      getTxTimestamp: () => ({ seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1e6 }),
      getDateTimestamp: () => new Date(millis),
      getState: async (key: string) => read(key) ?? Buffer.alloc(0),
      putState: async (key: string, value: Buffer) => write(key, Buffer.from(value)),
      deleteState: async (key: string) => write(key, undefined),
      getStateByRange: (start: string, end: string) => range(start || '\u0001', end || '\u{10ffff}'),
      getStateByPartialCompositeKey: (type: string, attrs: string[]) => {
        const prefix = composite(type, attrs);
        return range(prefix, `${prefix}\u{10ffff}`);
      },
      getStateByRangeWithPagination: (start: string, end: string, pageSize: number, bookmark?: string) =>
        paged(start || '\u0001', end || '\u{10ffff}', pageSize, bookmark ?? ''),
      getStateByPartialCompositeKeyWithPagination: (
        type: string,
        attrs: string[],
        pageSize: number,
        bookmark?: string,
      ) => {
        const prefix = composite(type, attrs);
        return paged(prefix, `${prefix}\u{10ffff}`, pageSize, bookmark ?? '');
      },
      // Not in the read set on Fabric, and committed history only: this transaction's writes are not in it.
      getHistoryForKey: (key: string) => {
        const mods = [...(this.history.get(key) ?? [])].reverse().map((h) => ({
          txId: h.txId,
          value: h.value ?? Buffer.alloc(0),
          isDelete: h.value === undefined,
          timestamp: { seconds: Math.floor(h.millis / 1000), nanos: (h.millis % 1000) * 1e6 },
        }));
        const iterator = iteratorOf(mods);
        return Object.assign(Promise.resolve(iterator), { [Symbol.asyncIterator]: () => iterator });
      },
      createCompositeKey: composite,
      setEvent: (name: string, payload: Buffer) => {
        if (event) throw new Error('a transaction sets at most one event');
        event = { name, payload: JSON.parse(Buffer.from(payload).toString()) };
      },
    };
    const res = await this.chaincode.Invoke(stub);
    if (res.status === 200) {
      for (const [k, v] of writes) {
        if (v === undefined) this.state.delete(k);
        else this.state.set(k, v);
        const versions = this.history.get(k) ?? [];
        versions.push({ txId, value: v, millis });
        this.history.set(k, versions);
      }
    }
    const text = res.payload ? res.payload.toString('utf8') : '';
    return {
      status: res.status,
      txId,
      value: res.status === 200 && text ? JSON.parse(text) : undefined,
      message: res.message ?? '',
      event: res.status === 200 ? event : undefined,
      writes: res.status === 200 ? [...writes.keys()] : [],
    };
  }

  /** Invokes and fails the test unless the transaction succeeded. */
  async ok(org: Caller, fn: string, ...args: string[]): Promise<unknown> {
    const r = await this.invoke(org, fn, ...args);
    if (r.status !== 200) throw new Error(`${fn} failed: ${r.message}`);
    return r.value;
  }

  /** Invokes and returns the failure message, or fails the test if the transaction succeeded. */
  async refused(org: Caller, fn: string, ...args: string[]): Promise<string> {
    const r = await this.invoke(org, fn, ...args);
    if (r.status === 200)
      throw new Error(`${fn} was expected to fail but returned ${JSON.stringify(r.value)}`);
    return r.message;
  }
}
