// Transactions per second on the embedded ledger (issue 8): custody and anchor transactions mixed with queries,
// submitted with enough in flight to fill blocks, with block size and commit latency, for a few block-cutting
// settings and as the world state grows to 1 million keys; printed beside the published Fabric figures.
//
// The workload is the server's: each device cycles CreateShipment -> 3 x AnchorReadings (60 readings each) ->
// RecordExcursion (every other shipment) -> OfferCustody to PharmacyMSP -> AcceptCustody (by PharmacyMSP) ->
// CompleteShipment (by the new custodian), and after every second submit its worker runs one query
// (GetShipment, AnchoredUpTo or QueryProvenance, in turn). One worker per device and one transaction in
// flight per worker, so transactions never conflict (a conflict would be an MVCC-invalid transaction, which the
// run counts and fails on): the concurrency is the number of devices.
//
// State growth: filling 1 million keys through transactions would take longer than the whole run, so before the
// measured phase the state and history tables get N rows loaded directly through SQL, in one transaction: the
// anchors (and anchor heads) of filler devices, with the keys and canonical values the contract itself writes.
// Their versions name block 0, which the bench never verifies; only the B-trees' size matters here.
//
// The Gateway path: the unmodified @hyperledger/fabric-gateway client (endorse, submit, commit status over gRPC
// with TLS, signed proposals and envelopes) against the Gateway-protocol test server backed by the embedded
// ledger, all in this process. That server is TypeScript test code (ledger-sync/src/fabric-test-server/*.test-kit.ts,
// not in dist/), loaded through vitest's Vite server; without it the column is left out, saying why.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, gs1CheckDigit } from '@coldtrail/core';
import { openEmbeddedLedger, resolveLedgerPaths } from '@coldtrail/ledger-sync';
import Database from 'better-sqlite3';

const ORG = 'ColdtrailOrgMSP'; // owns the devices, creates and anchors, hands over
const RECEIVER = 'PharmacyMSP'; // accepts custody and completes
const ORGS = [ORG, RECEIVER];
const DC = 'urn:epc:id:sgln:7612345.00010.0';
const SHOP = 'urn:epc:id:sgln:7612345.00020.0';
const KEY = 'a'.repeat(64);
const ROOT = '1'.repeat(64);
const WINDOW = 60; // readings per anchor: one hour at one reading a minute
const ANCHORS_PER_SHIPMENT = 3;
const START = '2025-03-01T10:00:00.000Z';
export const TARGET_TX_PER_S = 3_500;

/** Published figures, as context (different hardware, network and workload: not a like-for-like comparison). */
export const PUBLISHED = [
  {
    system: 'Fabric 2.5 (Caliper, 2 peer orgs + Raft orderer)',
    txPerS: '~3,000',
    source: 'https://www.hyperledger.org/blog/2023/02/16/benchmarking-hyperledger-fabric-2-5-performance',
  },
  {
    system: 'FastFabric (Gorenflo et al., 2019; baseline Fabric 1.2: 3,000)',
    txPerS: '~20,000',
    source: 'https://arxiv.org/abs/1901.00910',
  },
];

let ssccCounter = 0;
/** A fresh SSCC with its GS1 check digit. */
function nextSscc() {
  const body = `03761234${String(++ssccCounter).padStart(9, '0')}`;
  return `${body}${gs1CheckDigit(body)}`;
}

const shipmentArg = (sscc, device, fromSeq) =>
  JSON.stringify({
    sscc,
    device,
    origin: 'Basel DC',
    destination: 'Zurich pharmacy',
    product: 'Vaccine X',
    profile: { id: 'cold-2-8', lowerC: 2, upperC: 8, delayMinutes: 30, samplePeriodSeconds: 60 },
    fromSeq,
  });

const excursionOf = (sscc) => {
  const start = Date.parse(START);
  return {
    sscc,
    id: `${sscc}:single-event:above:${start}`,
    rule: 'single-event',
    direction: 'above',
    limit: 8,
    start: START,
    end: new Date(start + 20 * 60_000).toISOString(),
    durationMs: 20 * 60_000,
    maxValue: 9.4,
  };
};

/** One device's life as the server drives it; `next()` is the transaction to submit now. */
class DeviceCycle {
  constructor(device) {
    this.device = device;
    this.upTo = 0;
    this.sscc = undefined;
    this.anchors = 0;
    this.excursions = [];
    this.shipments = 0;
    this.queries = 0;
    this.handedOver = 0; // 0: with the owner, 1: offered, 2: accepted by the receiver
  }

  next() {
    if (this.sscc === undefined) {
      this.sscc = nextSscc();
      this.anchors = 0;
      this.excursions = [];
      this.handedOver = 0;
      const args = [shipmentArg(this.sscc, this.device, this.upTo + 1)];
      return { org: ORG, fn: 'CreateShipment', args, kind: 'custody', done: () => {} };
    }
    if (this.anchors < ANCHORS_PER_SHIPMENT) {
      const fromSeq = this.upTo + 1;
      const toSeq = fromSeq + WINDOW - 1;
      const anchor = { device: this.device, fromSeq, toSeq, root: ROOT, count: WINDOW };
      return {
        org: ORG,
        fn: 'AnchorReadings',
        args: [JSON.stringify(anchor)],
        kind: 'anchor',
        done: () => {
          this.upTo = toSeq;
          this.anchors++;
        },
      };
    }
    if (this.shipments % 2 === 0 && this.excursions.length === 0) {
      const e = excursionOf(this.sscc);
      return {
        org: ORG,
        fn: 'RecordExcursion',
        args: [JSON.stringify(e)],
        kind: 'anchor',
        done: () => this.excursions.push(e),
      };
    }
    if (this.handedOver === 0) {
      const offer = JSON.stringify({ to: RECEIVER, location: DC });
      const done = () => {
        this.handedOver = 1;
      };
      return { org: ORG, fn: 'OfferCustody', args: [this.sscc, offer], kind: 'custody', done };
    }
    if (this.handedOver === 1) {
      const done = () => {
        this.handedOver = 2;
      };
      const accept = JSON.stringify({ location: SHOP });
      return { org: RECEIVER, fn: 'AcceptCustody', args: [this.sscc, accept], kind: 'custody', done };
    }
    const closing = JSON.stringify({ excursions: this.excursions, reason: null });
    return {
      org: RECEIVER,
      fn: 'CompleteShipment',
      args: [this.sscc, String(this.upTo), closing],
      kind: 'custody',
      done: () => {
        this.sscc = undefined;
        this.shipments++;
      },
    };
  }

  query() {
    const q = this.queries++ % 3;
    if (q === 0 && this.sscc) return { fn: 'GetShipment', args: [this.sscc] };
    if (q === 2 && this.sscc) return { fn: 'QueryProvenance', args: [this.sscc] };
    return { fn: 'AnchoredUpTo', args: [this.device] };
  }
}

const percentile = (sorted, p) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/**
 * Loads `n` state keys (and as many history rows) the way the contract would have written them: anchors of
 * filler devices, 1,000 per device, plus each device's anchor head. Straight into the tables, one transaction.
 */
function bulkLoad(dbFile, n) {
  const db = new Database(dbFile);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const putState = db.prepare('INSERT INTO state (key, value, block_number, tx_index) VALUES (?, ?, 0, 0)');
    const putHistory = db.prepare(
      'INSERT INTO history (key, block_number, tx_index, tx_id, value) VALUES (?, 0, 0, ?, ?)',
    );
    const PER_DEVICE = 1_000;
    const put = (key, value, txId) => {
      const k = Buffer.from(key, 'utf8');
      const v = Buffer.from(canonicalJson(value), 'utf8');
      putState.run(k, v);
      putHistory.run(k, txId, v);
    };
    db.transaction(() => {
      let written = 0;
      for (let d = 0; written < n; d++) {
        const device = `fill-${String(d).padStart(6, '0')}`;
        let upTo = 0;
        for (let a = 0; a < PER_DEVICE - 1 && written < n - 1; a++, written++) {
          const fromSeq = upTo + 1;
          upTo += WINDOW;
          const txId = `${String(d).padStart(32, '0')}${String(a).padStart(32, '0')}`;
          const entry = { device, fromSeq, toSeq: upTo, root: ROOT, count: WINDOW, anchoredAt: START, txId };
          put(`\u0000anchor\u0000${device}\u0000${String(fromSeq).padStart(16, '0')}\u0000`, entry, txId);
        }
        put(`\u0000anchorhead\u0000${device}\u0000`, { device, upTo }, '0'.repeat(64));
        written++;
      }
    })();
  } finally {
    db.close();
  }
}

const repo = fileURLToPath(new URL('..', import.meta.url));
const KIT = 'ledger-sync/src/fabric-test-server';

/** The Gateway test server and client kits, transformed by Vite as vitest runs them; closes with `close()`. */
export async function loadGatewayKit() {
  for (const f of ['gateway-test-server.test-kit.ts', 'gateway-client.test-kit.ts']) {
    if (!existsSync(join(repo, KIT, f))) throw new Error(`${KIT}/${f} is not in this checkout`);
  }
  const { createViteServer } = await import('vitest/node');
  const vite = await createViteServer({
    root: repo,
    configFile: false,
    appType: 'custom',
    logLevel: 'error',
    server: { middlewareMode: true, hmr: false, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    const server = await vite.ssrLoadModule(`/${KIT}/gateway-test-server.test-kit.ts`);
    const client = await vite.ssrLoadModule(`/${KIT}/gateway-client.test-kit.ts`);
    return { server, client, close: () => vite.close() };
  } catch (err) {
    await vite.close();
    throw err;
  }
}

/** The embedded ledger's own port, in-process. */
async function embeddedPath(dir, cut) {
  const ledger = await openEmbeddedLedger({ path: dir, ...cut });
  const ports = Object.fromEntries(ORGS.map((org) => [org, ledger.port(org)]));
  return { ports, dbFile: ledger.paths.dbFile, close: () => ledger.close() };
}

/** fabric-gateway client -> Gateway test server -> embedded ledger, over gRPC + TLS on 127.0.0.1. */
export function gatewayPath(kit) {
  return async (dir, cut) => {
    const server = await kit.server.startGatewayTestServer({ dir, orgs: ORGS, ...cut });
    const clients = [];
    try {
      const ports = {};
      for (const org of ORGS) {
        const client = kit.client.connectClient(server, await server.identity(org));
        clients.push(client);
        ports[org] = kit.client.contractPort(client.contract);
      }
      return {
        ports,
        dbFile: resolveLedgerPaths(server.ledgerPath).dbFile,
        close: async () => {
          for (const c of clients) c.close();
          await server.close();
        },
      };
    } catch (err) {
      for (const c of clients) c.close();
      await server.close();
      throw err;
    }
  };
}

/**
 * One measured run: a fresh ledger in a temp dir (with `fillKeys` bulk-loaded), reached through `open` (the
 * embedded port, or the Gateway path), `concurrency` devices registered, a warm-up, then `seconds` of the mix.
 */
export async function runLedgerScenario({
  concurrency = 256,
  blockMaxTx = 100,
  blockTimeoutMs = 2,
  fillKeys = 0,
  seconds = 5,
  warmupSeconds = 1,
  open = embeddedPath,
}) {
  const dir = mkdtempSync(join(tmpdir(), 'coldtrail-bench-ledger-'));
  try {
    const cut = { blockMaxTx, blockTimeoutMs };
    if (fillKeys > 0) {
      // The schema first (the ledger creates it), then the rows, then the ledger again over them.
      const first = await embeddedPath(dir, cut);
      await first.close();
      bulkLoad(first.dbFile, fillKeys);
    }
    const ledger = await open(dir, cut);
    const { ports, dbFile } = ledger;
    const port = ports[ORG];
    const devices = Array.from({ length: concurrency }, (_, i) => new DeviceCycle(`dev-${i}`));
    await Promise.all(devices.map((d) => port.submit('RegisterDevice', [d.device, KEY])));
    // Devices start at staggered points of their cycle, so the measured mix is the steady one from the start.
    await Promise.all(
      devices.map(async (d, i) => {
        for (let step = 0; step < i % (ANCHORS_PER_SHIPMENT + 5); step++) {
          const tx = d.next();
          await ports[tx.org].submit(tx.fn, tx.args);
          tx.done();
        }
      }),
    );

    const reader = new Database(dbFile, { readonly: true });
    const keys = reader.prepare('SELECT COUNT(*) AS n FROM state').get().n;
    // The phases end by the clock read in the workers, not by timers: a saturated embedded ledger resolves
    // every submit through microtasks only (blocks cut by count, synchronously), so a setTimeout would not
    // fire until the load stopped.
    const stats = { submits: 0, custody: 0, queries: 0, latencies: [], firstBlock: Infinity, lastBlock: -1 };
    const t0 = performance.now();
    const measureFrom = t0 + warmupSeconds * 1000;
    const measureTo = measureFrom + seconds * 1000;
    const inWindow = (t) => t >= measureFrom && t < measureTo;
    // CPU time of this process over the window (both threads' worth on 2 cores), per committed transaction:
    // less sensitive than tx/s to other work on the machine.
    let cpuFrom;
    let cpuTo;
    const worker = async (device) => {
      let n = 0;
      while (performance.now() < measureTo) {
        const tx = device.next();
        const sent = performance.now();
        const r = await ports[tx.org].submit(tx.fn, tx.args); // a refusal or an MVCC-invalid tx throws: fails the run
        const now = performance.now();
        tx.done();
        if (cpuFrom === undefined && now >= measureFrom) cpuFrom = process.cpuUsage();
        if (cpuTo === undefined && now >= measureTo && cpuFrom) cpuTo = process.cpuUsage(cpuFrom);
        if (inWindow(now)) {
          stats.submits++;
          if (tx.kind === 'custody') stats.custody++;
          stats.latencies.push(now - sent);
          stats.firstBlock = Math.min(stats.firstBlock, r.blockNumber);
          stats.lastBlock = Math.max(stats.lastBlock, r.blockNumber);
        }
        if (++n % 2 === 0) {
          const q = device.query();
          await port.evaluate(q.fn, q.args);
          if (inWindow(performance.now())) stats.queries++;
        }
      }
    };
    await Promise.all(devices.map(worker));
    const blocks = reader
      .prepare(
        "SELECT COUNT(*) AS txs, COUNT(DISTINCT block_number) AS blocks, SUM(validation_code != 'VALID') AS invalid FROM transactions WHERE block_number BETWEEN ? AND ?",
      )
      .get(stats.firstBlock, stats.lastBlock);
    reader.close();
    await ledger.close();
    if (blocks.invalid > 0) throw new Error(`${blocks.invalid} transactions were MVCC-invalid`);
    const sorted = stats.latencies.sort((a, b) => a - b);
    return {
      keys,
      txPerS: stats.submits / seconds,
      custodyShare: stats.custody / Math.max(1, stats.submits),
      queriesPerS: stats.queries / seconds,
      blockSize: blocks.txs / Math.max(1, blocks.blocks),
      cpuMsPerTx: cpuTo ? (cpuTo.user + cpuTo.system) / 1000 / Math.max(1, stats.submits) : Number.NaN,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';

function table(results) {
  const rows = {
    'state keys at start': (r) => fmt(r.keys),
    'tx/s (submitted, committed)': (r) => fmt(r.txPerS),
    'custody share of tx': (r) => `${fmt(100 * r.custodyShare)} %`,
    'queries/s (beside)': (r) => fmt(r.queriesPerS),
    'block size (tx, mean)': (r) => fmt(r.blockSize, 1),
    'CPU ms per tx (queries incl.)': (r) => fmt(r.cpuMsPerTx, 2),
    'commit latency p50 (ms)': (r) => fmt(r.p50, 1),
    'commit latency p99 (ms)': (r) => fmt(r.p99, 1),
  };
  const out = {};
  for (const [label, cell] of Object.entries(rows)) {
    out[label] = Object.fromEntries(results.map(([name, r]) => [name, cell(r)]));
  }
  console.table(out);
}

/** `npm run bench -- ledger [--quick]`. Returns ok = the default configuration met the target. */
export async function runLedgerBench({ quick = false } = {}) {
  const seconds = quick ? 1.5 : 5;
  const warmupSeconds = quick ? 0.5 : 1;
  const configs = [
    { name: 'max 100 tx / 2 ms', blockMaxTx: 100, blockTimeoutMs: 2 },
    { name: 'max 500 tx / 2 ms', blockMaxTx: 500, blockTimeoutMs: 2 },
    { name: 'max 500 tx / 10 ms, 512 in flight', blockMaxTx: 500, blockTimeoutMs: 10, concurrency: 512 },
    { name: 'max 100 tx / 2 ms, 64 in flight', blockMaxTx: 100, blockTimeoutMs: 2, concurrency: 64 },
  ];
  // Other work on the machine takes CPU from the thread that simulates and the one that commits: shown, so a
  // low figure can be told from a slow ledger.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`load average before: ${load()}`);
  const cutting = [];
  for (const c of quick ? configs.slice(0, 2) : configs) {
    cutting.push([c.name, await runLedgerScenario({ ...c, seconds, warmupSeconds })]);
  }
  let gateway;
  let kit;
  try {
    kit = await loadGatewayKit();
    // 64 in flight: with 256 the Gateway path's commit latency exceeds the measured window on 2 cores.
    gateway = await runLedgerScenario({
      ...configs[0],
      concurrency: 64,
      seconds,
      warmupSeconds: Math.max(2, warmupSeconds),
      open: gatewayPath(kit),
    });
    cutting.push(['Gateway path, max 100 tx / 2 ms, 64 in flight', gateway]);
  } catch (err) {
    console.log(`(no Gateway path column: ${err.message})`);
  } finally {
    await kit?.close();
  }
  console.log(
    `block cutting, empty state, ${seconds} s each (embedded ledger's own port unless said; 256 in flight unless said)`,
  );
  table(cutting);

  const growth = [['~0 keys', cutting[0][1]]];
  for (const fillKeys of quick ? [100_000] : [100_000, 1_000_000]) {
    const r = await runLedgerScenario({
      blockMaxTx: 100,
      blockTimeoutMs: 2,
      fillKeys,
      seconds,
      warmupSeconds,
    });
    growth.push([`${fmt(fillKeys / 1000)}k keys`, r]);
  }
  console.log('\nstate growth, default cutting (max 100 tx / 2 ms, 256 in flight), keys bulk-loaded before');
  table(growth);

  console.log(`load average after: ${load()}`);
  const best = Math.max(...cutting.filter(([, r]) => r !== gateway).map(([, r]) => r.txPerS));
  const atDefault = cutting[0][1].txPerS;
  console.log('\nbeside the published figures (context only: other hardware, network, contract)');
  console.table({
    'embedded ledger, this machine (default)': { 'tx/s': fmt(atDefault), source: 'this run' },
    'embedded ledger, this machine (best cut)': { 'tx/s': fmt(best), source: 'this run' },
    ...(gateway && {
      'Gateway path to the embedded ledger, this machine': {
        'tx/s': fmt(gateway.txPerS),
        source: 'this run',
      },
    }),
    ...Object.fromEntries(PUBLISHED.map((p) => [p.system, { 'tx/s': p.txPerS, source: p.source }])),
    'target for the embedded ledger (2 cores)': { 'tx/s': `>= ${fmt(TARGET_TX_PER_S)}`, source: 'issue 8' },
  });
  const ok = atDefault >= TARGET_TX_PER_S;
  console.log(
    `target >= ${fmt(TARGET_TX_PER_S)} tx/s: ${ok ? 'met' : 'NOT met'} (default ${fmt(atDefault)}, best ${fmt(best)})`,
  );
  return { ok };
}
