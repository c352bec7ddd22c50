// `npm run bench`: coldtrail's benchmarks. Never part of `npm test`. Each scenario alternates the system under
// test with its ceiling in the same process, several times, and reports medians.
import { cpus } from 'node:os';
import { runCeiling, runOutbox } from './outbox-throughput.js';

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
console.log('readings durably stored per second (WAL + synchronous=FULL, temp dir on the local disk)\n');

let failed = false;
for (const sc of SCENARIOS) {
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
  console.log(`ratio ${ratio.toFixed(2)} — target >= ${TARGET}: ${ok ? 'met' : 'NOT met'}\n`);
}
process.exitCode = failed ? 1 : 0;
