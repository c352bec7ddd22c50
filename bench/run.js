// `npm run bench [-- NAME...]`: coldtrail's benchmarks (outbox, provenance, agent-resources, ledger, bundle, lot; all
// without a name). Never part of `npm test`. `--minutes N` sets agent-resources' run time (default 10);
// `--quick` makes the ledger bench a smoke run. Each outbox scenario alternates the system under test with its
// ceiling in the same process, several times, and reports medians; its last line for transactions of 100
// records is `ratio N.NN`.
import { cpus } from 'node:os';
import { runAgentResources } from './agent-resources.js';
import { runBundleVerifyBench } from './bundle-verify.js';
import { runLedgerBench } from './ledger.js';
import { runLotProvenanceBench } from './lot-provenance.js';
import { runCeiling, runOutbox } from './outbox-throughput.js';
import { runProvenanceBench } from './provenance-time.js';

const KNOWN = ['outbox', 'provenance', 'agent-resources', 'ledger', 'bundle', 'lot'];
const argv = process.argv.slice(2);
const minutesAt = argv.indexOf('--minutes');
const minutes = minutesAt >= 0 ? Number(argv[minutesAt + 1]) : 10;
if (!(minutes > 0)) {
  console.error(`--minutes takes a positive number (got ${JSON.stringify(argv[minutesAt + 1])})`);
  process.exit(2);
}
const quick = argv.includes('--quick');
const asked = argv.filter(
  (a, i) => a !== '--quick' && (minutesAt < 0 || (i !== minutesAt && i !== minutesAt + 1)),
);
for (const name of asked) {
  if (!KNOWN.includes(name)) {
    console.error(`unknown benchmark "${name}": choose from ${KNOWN.join(', ')}`);
    process.exit(2);
  }
}
const wanted = (name) => asked.length === 0 || asked.includes(name);

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET = 0.5;

const SCENARIOS = [
  { name: 'transactions of 100 records, batches of 500', records: 20_000, txSize: 100, batch: 500 },
  {
    name: 'transactions of 2 records (one polling cycle), batches of 100',
    records: 2_000,
    txSize: 2,
    batch: 100,
  },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

console.log(`coldtrail bench — Node ${process.version}, ${cpus().length} CPU(s), ${RUNS} runs per scenario`);

let failed = false;
let ratio100;
if (wanted('outbox'))
  console.log('readings durably stored per second (WAL + synchronous=FULL, temp dir on the local disk)\n');
for (const sc of wanted('outbox') ? SCENARIOS : []) {
  const outbox = [];
  const ceiling = [];
  let settings;
  for (let i = 0; i < RUNS; i++) {
    const o = await runOutbox(sc);
    const c = runCeiling(sc, o.rows);
    if (JSON.stringify(o.settings) !== JSON.stringify(c.settings)) {
      throw new Error(
        `durability settings differ: ${JSON.stringify(o.settings)} vs ${JSON.stringify(c.settings)}`,
      );
    }
    settings = o.settings;
    outbox.push(o.perSecond);
    ceiling.push(c.perSecond);
  }
  const ratios = outbox.map((o, i) => o / ceiling[i]);
  const ratio = median(ratios);
  const ok = ratio >= TARGET;
  failed ||= !ok;
  console.log(
    `${sc.name}; ${fmt(sc.records)} records per run; ${settings.journalMode}, synchronous=${settings.synchronous}`,
  );
  console.table({
    'median records/s': {
      'raw better-sqlite3 (ceiling)': fmt(median(ceiling)),
      'agent Outbox (chain + sign + store)': fmt(median(outbox)),
      ratio: ratio.toFixed(2),
    },
    'min records/s': {
      'raw better-sqlite3 (ceiling)': fmt(Math.min(...ceiling)),
      'agent Outbox (chain + sign + store)': fmt(Math.min(...outbox)),
      ratio: Math.min(...ratios).toFixed(2),
    },
    'max records/s': {
      'raw better-sqlite3 (ceiling)': fmt(Math.max(...ceiling)),
      'agent Outbox (chain + sign + store)': fmt(Math.max(...outbox)),
      ratio: Math.max(...ratios).toFixed(2),
    },
  });
  console.log(`target >= ${TARGET}: ${ok ? 'met' : 'NOT met'} (median ratio ${ratio.toFixed(2)})\n`);
  if (sc.txSize === 100) ratio100 = ratio;
}
if (ratio100 !== undefined) console.log(`ratio ${ratio100.toFixed(2)}`);
if (wanted('provenance')) {
  console.log('\nwall time of coldtrail provenance on a 30-day shipment');
  await runProvenanceBench({ runs: Number(process.env.BENCH_RUNS ?? 5) });
}
if (wanted('agent-resources')) {
  console.log('\nresources of `coldtrail agent start` with 16 sensors at 1 Hz, beside a bare Node process');
  const { ok } = await runAgentResources({ minutes });
  failed ||= !ok;
}
if (wanted('ledger')) {
  console.log('\ntransactions per second on the embedded ledger (custody + anchors, queries beside)');
  const { ok } = await runLedgerBench({ quick });
  failed ||= !ok;
}
if (wanted('bundle')) {
  console.log('\ncoldtrail verify on the bundle of a 30-day shipment, four probes at one reading a minute');
  const { ok } = await runBundleVerifyBench({ runs: Number(process.env.BENCH_RUNS ?? 5) });
  failed ||= !ok;
}
if (wanted('lot')) {
  console.log('\nprovenance of a lot spread over 100 pallets');
  failed ||= !(await runLotProvenanceBench());
}
process.exitCode = failed ? 1 : 0;
